import type { Schemas } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { table } from '../output/table.js';
import type { CommandContext, CommandOutput } from './command.js';

/** Every applied change of a state, oldest first (every page of GET /v1/states/:type/:id/history). */
export async function stateHistory(context: CommandContext, stateType: string, stateId: string): Promise<Schemas['StateHistoryItem'][]> {
  const items: Schemas['StateHistoryItem'][] = [];
  for await (const item of context.client.items('/v1/states/{type}/{id}/history', { path: { type: stateType, id: stateId } })) items.push(item);
  return items;
}

/** `countersign history <type> <id>`: each version, who made it, when, and the paths it changed. */
export async function history(stateType: string, stateId: string, context: CommandContext): Promise<CommandOutput> {
  const items = await stateHistory(context, stateType, stateId);
  const rows = items.map((item) => [String(item.version), item.transition, item.actor.id, item.appliedAt, [...new Set(item.diff.map((entry) => entry.path))].join(', '), item.mutationId]);
  return { json: { items, nextCursor: null }, text: table(['version', 'transition', 'actor', 'applied', 'changed', 'mutation'], rows, `${stateType}/${stateId} has no applied change.`), exitCode: EXIT_CODES.success };
}
