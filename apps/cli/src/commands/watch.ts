import { EXIT_CODES } from '../exit-codes.js';
import { followMutation } from '../follow.js';
import { address, renderTimelineEntry, statusColor } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface WatchOptions {
  /** Give up after this long (ms); without it, watch until the mutation ends. */
  timeoutMs?: number;
}

/**
 * `countersign watch <id>`: the timeline as it grows, one event a line, until the mutation is
 * no longer pending. Exits 0 however it ended (it is a read), 5 when still pending at --timeout.
 */
export async function watch(mutationId: string, options: WatchOptions, context: CommandContext): Promise<CommandOutput> {
  const followed = await followMutation(context, mutationId, { timeoutMs: options.timeoutMs, onEvent: (entry) => context.progress(renderTimelineEntry(entry, context.style)) });
  const { mutation } = followed;
  const summary = `${statusColor(mutation.status, context.style)} ${address(mutation)} ${mutation.transition}${mutation.stateVersion === null ? '' : ` at version ${mutation.stateVersion}`}`;
  if (followed.timedOut) return { json: mutation, text: summary, exitCode: EXIT_CODES.pending, message: `still pending after --timeout` };
  return { json: mutation, text: summary, exitCode: EXIT_CODES.success };
}
