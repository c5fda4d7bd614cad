import { unwrap } from '@countersign/client';
import { exitCodeOfBatchStatus, exitCodeOfStatus } from '../exit-codes.js';
import { renderDiff } from '../output/diff.js';
import { address, describeRequirement, statusColor, type PlanView } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';
import { renderBatch, type BatchView } from '../output/batch.js';

export interface RevertOptions {
  reason: string;
  /** Also undo the later changes of the same paths, newest first, as one atomic batch. */
  compensateLater?: boolean;
}

type RevertAnswer = PlanView & { mutationId: string; status: string; stateVersion: number | null; compensates: string };

/** `countersign revert <id> --reason …`: a governed compensating mutation (or, with --compensate-later, a batch undoing the later changes too). */
export async function revert(mutationId: string, options: RevertOptions, context: CommandContext): Promise<CommandOutput> {
  const answer = unwrap(
    await context.client.POST('/v1/mutations/{id}/revert', { params: { path: { id: mutationId } }, body: { reason: options.reason, ...(options.compensateLater ? { compensateLater: true } : {}) } }),
  );
  const { style } = context;
  if ('batchId' in answer) {
    const batch = answer as unknown as BatchView;
    return { json: answer, text: `Reverting ${mutationId} with the later changes of its paths, newest first:\n${renderBatch(batch, style)}`, exitCode: exitCodeOfBatchStatus(batch.status) };
  }
  const compensation = answer as unknown as RevertAnswer;
  const lines = [
    `${statusColor(compensation.status, style)} ${address(compensation)} ${compensation.transition}${compensation.stateVersion === null ? '' : ` at version ${compensation.stateVersion}`}`,
    `  mutation ${compensation.mutationId} compensates ${compensation.compensates}`,
    ...(compensation.status === 'pending' ? compensation.requirements.map((requirement) => `  waits for ${describeRequirement(requirement)}`) : []),
    style.bold('Changes:'),
    renderDiff(compensation.diff, style),
  ];
  return { json: answer, text: lines.join('\n'), exitCode: exitCodeOfStatus(compensation.status) };
}
