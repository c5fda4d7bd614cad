import { unwrap } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { renderMutation, type MutationRecordView } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';

/** `countersign status <id>`: the mutation's record and timeline (GET /v1/mutations/:id). */
export async function status(mutationId: string, context: CommandContext): Promise<CommandOutput> {
  const record = unwrap(await context.client.GET('/v1/mutations/{id}', { params: { path: { id: mutationId } } }));
  return { json: record, text: renderMutation(record as unknown as MutationRecordView, context.style), exitCode: EXIT_CODES.success };
}
