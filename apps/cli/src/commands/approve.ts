import { unwrap } from '@countersign/client';
import { exitCodeOfStatus } from '../exit-codes.js';
import { describeRequirement, statusColor } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface DecisionOptions {
  comment?: string;
}

/** `countersign approve <id> [--comment]`: the caller approves the current step; exit by the mutation's status after it (0 applied or still pending). */
export function approve(mutationId: string, options: DecisionOptions, context: CommandContext): Promise<CommandOutput> {
  return decide(mutationId, 'approve', options, context);
}

/** Approve or reject: POST /v1/mutations/:id/approvals. */
export async function decide(mutationId: string, decision: 'approve' | 'reject', options: DecisionOptions, context: CommandContext): Promise<CommandOutput> {
  const answer = unwrap(
    await context.client.POST('/v1/mutations/{id}/approvals', { params: { path: { id: mutationId } }, body: { decision, ...(options.comment !== undefined ? { comment: options.comment } : {}) } }),
  );
  const lines = [`${decision === 'approve' ? 'Approved' : 'Rejected'} ${mutationId}: ${statusColor(answer.status, context.style)}${answer.stateVersion === null ? '' : ` at version ${answer.stateVersion}`}`];
  if (!answer.recorded && answer.note) lines.push(`  nothing changed: ${answer.note}`);
  for (const open of answer.openRequirements) lines.push(`  still waits for ${describeRequirement(open)}`);
  // Rejecting is what was asked: it succeeded. Otherwise the status says how it went.
  const exitCode = decision === 'reject' && answer.status === 'rejected' ? 0 : exitCodeOfStatus(answer.status);
  return { json: answer, text: lines.join('\n'), exitCode, ...(exitCode === 0 ? {} : { message: `mutation ${mutationId} is ${answer.status}` }) };
}
