import type { CommandContext, CommandOutput } from './command.js';
import { decide, type DecisionOptions } from './approve.js';

/** `countersign reject <id> [--comment]`: the caller rejects it; the mutation ends `rejected` (exit 0). */
export function reject(mutationId: string, options: DecisionOptions, context: CommandContext): Promise<CommandOutput> {
  return decide(mutationId, 'reject', options, context);
}
