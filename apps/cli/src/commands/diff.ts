import { EXIT_CODES } from '../exit-codes.js';
import { UsageError } from '../failures.js';
import { integerFlag } from '../input/values.js';
import { renderDiff } from '../output/diff.js';
import { diffVersions } from '../state-diff.js';
import type { CommandContext, CommandOutput } from './command.js';
import { stateHistory } from './history.js';

export interface DiffOptions {
  from?: string;
  to?: string;
}

/**
 * `countersign diff <type> <id> --from <v> --to <v>`: what changed between two versions of a
 * state (version 0 is before it existed; --to defaults to the latest), from its history.
 */
export async function diff(stateType: string, stateId: string, options: DiffOptions, context: CommandContext): Promise<CommandOutput> {
  const items = await stateHistory(context, stateType, stateId);
  const latest = items.reduce((highest, item) => Math.max(highest, item.version), 0);
  const from = integerFlag('--from', options.from) ?? 0;
  const to = integerFlag('--to', options.to) ?? latest;
  if (from > latest || to > latest) throw new UsageError(`${stateType}/${stateId} is at version ${latest}; --from and --to must be at most that`);
  const changes = diffVersions(items, from, to);
  const versions = items.filter((item) => item.version > Math.min(from, to) && item.version <= Math.max(from, to)).map((item) => ({ version: item.version, mutationId: item.mutationId, transition: item.transition }));
  return {
    json: { stateType, stateId, from, to, diff: changes, versions },
    text: `${context.style.bold(`${stateType}/${stateId} from version ${from} to ${to}`)}\n${renderDiff(changes, context.style)}`,
    exitCode: EXIT_CODES.success,
  };
}
