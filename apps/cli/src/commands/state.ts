import { unwrap } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import type { CommandContext, CommandOutput } from './command.js';

/** `countersign state <type> <id>`: the document and its version (GET /v1/states/:type/:id). */
export async function state(stateType: string, stateId: string, context: CommandContext): Promise<CommandOutput> {
  const answer = unwrap(await context.client.GET('/v1/states/{type}/{id}', { params: { path: { type: stateType, id: stateId } } }));
  const headline = context.style.bold(`${answer.stateType}/${answer.stateId} at version ${answer.version}`);
  return { json: answer, text: `${headline} (last changed by ${answer.lastMutationId} at ${answer.updatedAt})\n${JSON.stringify(answer.state, null, 2)}`, exitCode: EXIT_CODES.success };
}
