import { unwrap } from '@countersign/client';
import { EXIT_CODES, exitCodeOfStatus } from '../exit-codes.js';
import { followMutation } from '../follow.js';
import { envelope, type EnvelopeOptions } from '../input/envelope.js';
import { renderDiff } from '../output/diff.js';
import { address, describeRequirement, renderDecision, renderTimelineEntry, statusColor, type PlanView } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';
import type { MutationArguments } from './plan.js';

export interface SubmitOptions extends EnvelopeOptions {
  planHash?: string;
  idempotencyKey?: string;
  /** Wait until it is no longer pending. */
  wait?: boolean;
  /** How long --wait waits (ms). */
  timeoutMs?: number;
}

type SubmitAnswer = PlanView & { mutationId: string; status: string; stateVersion: number | null; expiresAt: string | null; position: number };

/**
 * `countersign submit` (alias `apply`): records the mutation. Applied exits 0, pending exits 0
 * (or, with --wait, waits for it to end, showing its events: exit by how it ended, 5 when still
 * pending after --timeout).
 */
export async function submit(target: MutationArguments, options: SubmitOptions, context: CommandContext): Promise<CommandOutput> {
  const body = envelope(target.stateType, target.stateId, target.transition, options);
  if (options.planHash !== undefined) body.expectedPlanHash = options.planHash;
  if (options.idempotencyKey !== undefined) body.idempotencyKey = options.idempotencyKey;
  const answer = unwrap(await context.client.POST('/v1/mutations', { body })) as unknown as SubmitAnswer;
  const { style } = context;
  const headline = `${statusColor(answer.status, style)} ${address(answer)} ${answer.transition}${answer.stateVersion === null ? '' : ` at version ${answer.stateVersion}`}`;
  const lines = [headline, `  mutation ${answer.mutationId}`];
  if (answer.status === 'pending') {
    for (const requirement of answer.requirements ?? []) lines.push(`  waits for ${describeRequirement(requirement)}`);
    if (answer.expiresAt) lines.push(`  expires at ${answer.expiresAt}`);
  }
  if (answer.decision) lines.push(renderDecision(answer.decision, style));
  lines.push(style.bold('Changes:'), renderDiff(answer.diff, style));
  if (!options.wait || answer.status !== 'pending') return { json: answer, text: lines.join('\n'), exitCode: exitCodeOfStatus(answer.status) };

  context.progress(lines.join('\n'));
  const timeoutMs = options.timeoutMs ?? 60_000;
  context.progress(`Waiting up to ${Math.round(timeoutMs / 1000)} s for ${answer.mutationId}…`);
  const followed = await followMutation(context, answer.mutationId, { timeoutMs, onEvent: (entry) => context.progress(`  ${renderTimelineEntry(entry, style)}`) });
  const final = followed.mutation;
  if (followed.timedOut) {
    const open = (final.requirements ?? []).map(describeRequirement).join('; ');
    return { json: final, text: `${statusColor('pending', style)} after ${Math.round(timeoutMs / 1000)} s: ${answer.mutationId} waits for ${open || 'its requirements'}`, exitCode: EXIT_CODES.pending, message: `still pending after --timeout ${Math.round(timeoutMs / 1000)}s` };
  }
  const ended = `${statusColor(final.status, style)} ${address(final)} ${final.transition}${final.stateVersion === null ? '' : ` at version ${final.stateVersion}`}`;
  const exitCode = exitCodeOfStatus(final.status);
  return { json: final, text: ended, exitCode, ...(exitCode === EXIT_CODES.success ? {} : { message: `mutation ${final.mutationId} ended ${final.status}` }) };
}
