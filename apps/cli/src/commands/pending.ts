import type { Schemas } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { address } from '../output/mutation.js';
import { table } from '../output/table.js';
import type { CommandContext, CommandOutput } from './command.js';

/** `countersign pending`: the mutations the caller may approve now, every page (GET /v1/approvals/pending). */
export async function pending(context: CommandContext): Promise<CommandOutput> {
  const items: Schemas['PendingApproval'][] = [];
  for await (const item of context.client.items('/v1/approvals/pending')) items.push(item);
  const rows = items.map((item) => [item.mutationId, `${address(item)} ${item.transition}`, item.requestedBy.id, item.riskLevel, `${item.currentStep.role} (step ${item.currentStep.index + 1})`, timeLeft(item.timeLeftMs)]);
  return {
    json: { items, nextCursor: null },
    text: table(['mutation', 'change', 'requested by', 'risk', 'waits for', 'expires in'], rows, 'Nothing waits for your approval.'),
    exitCode: EXIT_CODES.success,
  };
}

function timeLeft(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}
