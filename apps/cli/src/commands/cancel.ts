import { unwrap } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { statusColor } from '../output/mutation.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface CancelOptions {
  reason?: string;
}

/** `countersign cancel <id>`: the requester (or an admin) cancels a pending mutation. */
export async function cancel(mutationId: string, options: CancelOptions, context: CommandContext): Promise<CommandOutput> {
  const answer = unwrap(
    await context.client.POST('/v1/mutations/{id}/cancel', { params: { path: { id: mutationId } }, ...(options.reason !== undefined ? { body: { reason: options.reason } } : {}) }),
  );
  return { json: answer, text: `Cancelled ${mutationId}: ${statusColor(answer.status, context.style)}`, exitCode: EXIT_CODES.success };
}
