import { unwrap, type Schemas } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { filterQuery, type FilterOptions } from '../input/filters.js';
import { integerFlag } from '../input/values.js';
import { statusColor } from '../output/mutation.js';
import { table } from '../output/table.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface ListOptions extends FilterOptions {
  limit?: string;
  cursor?: string;
  /** Follow nextCursor to the last page. */
  all?: boolean;
}

/** `countersign list [filters]`: one page of GET /v1/mutations (newest first), or every page with --all. */
export async function list(options: ListOptions, context: CommandContext): Promise<CommandOutput> {
  const limit = integerFlag('--limit', options.limit);
  const query = { ...filterQuery(options), ...(limit !== undefined ? { limit } : {}), ...(options.cursor !== undefined ? { cursor: options.cursor } : {}) };
  let page: Schemas['MutationPage'];
  if (options.all) {
    const items: Schemas['MutationRecord'][] = [];
    for await (const item of context.client.items('/v1/mutations', { query })) items.push(item);
    page = { items, nextCursor: null };
  } else {
    page = unwrap(await context.client.GET('/v1/mutations', { params: { query } }));
  }
  const rows = page.items.map((item) => [item.mutationId, statusColor(item.status, context.style), `${item.stateType}/${item.stateId} ${item.transition}`, item.actor.id, item.riskLevel, item.requestedAt]);
  const more = page.nextCursor ? `\nmore: --cursor ${page.nextCursor} (or --all)` : '';
  return { json: page, text: `${table(['mutation', 'status', 'change', 'actor', 'risk', 'requested'], rows, 'No mutation matches.')}${more}`, exitCode: EXIT_CODES.success };
}
