import { CountersignApiError, WaitForError } from '@countersign/client';
import type { CommandOutput } from './commands/command.js';
import { EXIT_CODES, exitCodeOfAnswer, exitCodeOfStatus } from './exit-codes.js';
import { renderSuggestions, type SuggestionView } from './output/mutation.js';
import type { Style } from './output/style.js';

/** Bad flags or arguments, found before anything is sent: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Anything a command throws, as what to print and how to exit. `baseUrl` names the server in network errors. */
export function failureOutput(error: unknown, baseUrl: string, style: Style): CommandOutput {
  if (error instanceof UsageError) return { json: undefined, text: '', exitCode: EXIT_CODES.usage, message: error.message };
  if (error instanceof CountersignApiError) return apiFailure(error.status, error.body, style);
  if (error instanceof WaitForError) {
    const status = error.mutation?.status;
    return { json: error.mutation, text: '', exitCode: status ? exitCodeOfStatus(status) : EXIT_CODES.failure, message: error.message };
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    const cause = (error as { cause?: { message?: string; code?: string } }).cause;
    return { json: undefined, text: '', exitCode: EXIT_CODES.failure, message: `cannot reach ${baseUrl}: ${cause?.message ?? cause?.code ?? error.message}` };
  }
  return { json: undefined, text: '', exitCode: EXIT_CODES.failure, message: error instanceof Error ? error.message : String(error) };
}

/**
 * An error answer: `--json` prints it as the API sent it; people read the code and message, and
 * for a recorded denial its mutation id and the suggested fix.
 */
export function apiFailure(status: number, body: unknown, style: Style): CommandOutput {
  const answer = (body && typeof body === 'object' ? body : {}) as { error?: string; message?: string; mutationId?: string; status?: string; suggestions?: SuggestionView[]; details?: Record<string, unknown> };
  const summary = answer.error ? `${answer.error}: ${answer.message ?? ''} (HTTP ${status})` : `HTTP ${status}`;
  const exitCode = exitCodeOfAnswer(status, answer.mutationId ? answer.status : undefined);
  if (answer.mutationId) {
    // A recorded outcome: what was recorded is the command's answer, on stdout.
    const text = [`${style.red(answer.status ?? 'recorded')} ${answer.error ?? ''}: ${answer.message ?? ''}`, `  mutation ${answer.mutationId} (recorded)`, ...renderSuggestions(answer.suggestions)].join('\n');
    return { json: body, text, exitCode, message: summary };
  }
  const detail = answer.details && Object.keys(answer.details).length > 0 ? detailLines(answer.details).join('\n') : undefined;
  return { json: body ?? null, text: '', exitCode, message: summary, ...(detail ? { detail } : {}) };
}

/** Details people need to fix their request: each violation, or the fields of the details. */
function detailLines(details: Record<string, unknown>): string[] {
  const violations = details.violations;
  if (Array.isArray(violations)) return violations.map((violation: { path?: string; message?: string }) => `  ${violation.path ?? '?'}: ${violation.message ?? ''}`);
  return Object.entries(details).map(([key, value]) => `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}
