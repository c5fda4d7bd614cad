import { unwrap } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { renderBatch, type BatchView } from '../output/batch.js';
import type { CommandContext, CommandOutput } from './command.js';

/** `countersign batch status <id>`: the batch and each step (GET /v1/batches/:id); exit 0 however it stands (a read). */
export async function batchStatus(batchId: string, context: CommandContext): Promise<CommandOutput> {
  const batch = unwrap(await context.client.GET('/v1/batches/{id}', { params: { path: { id: batchId } } }));
  return { json: batch, text: renderBatch(batch as unknown as BatchView, context.style), exitCode: EXIT_CODES.success };
}
