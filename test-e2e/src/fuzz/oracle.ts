import type { FuzzCase } from './fuzz-case.js';

/** What came back for one request; `transportError` when no complete answer did. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  transportError?: string;
}

export type FailureKind =
  /** 5xx. */
  | 'server_error'
  /** The connection failed, timed out, or the answer stopped midway (a stream that broke after its 200). */
  | 'no_answer'
  /** A 4xx that is not JSON `{ error: string, message: string, details: object }`. */
  | 'error_shape'
  /** A 2xx or 3xx for a request the contract refuses. */
  | 'accepted'
  /** Refused, but not with the one status the contract names (415 for a form body, 401 for a bad token, …). */
  | 'unexpected_status'
  /** `malformed_json` for a body that is valid JSON. */
  | 'valid_json_called_malformed'
  /** A 400 that does not say which field or parameter is wrong. */
  | 'field_not_named'
  /** The request changed the log or a read model. */
  | 'wrote'
  /** `null` in optional fields is refused for some fields and not for others (or with different codes). */
  | 'inconsistent_null';

export interface Verdict {
  kind: FailureKind;
  detail: string;
}

/** The HTTP contract's rules for one answer (BRIEF §4, docs/api.md). Writes are judged by the runner. */
export function judge(fuzzCase: FuzzCase, answer: Answer): Verdict[] {
  if (answer.transportError !== undefined) return [{ kind: 'no_answer', detail: `${answer.transportError} (status ${answer.status || 'none'})` }];
  const verdicts: Verdict[] = [];
  const { status } = answer;
  const body = parseJson(answer.text);
  if (status >= 500) verdicts.push({ kind: 'server_error', detail: `${status} ${excerpt(answer.text)}` });
  if (status < 400 && fuzzCase.expect === 'refused') verdicts.push({ kind: 'accepted', detail: `${status} ${excerpt(answer.text)}` });
  if (status >= 400 && status < 500) {
    const shapeProblem = errorShapeProblem(body);
    if (shapeProblem) verdicts.push({ kind: 'error_shape', detail: `${shapeProblem}: ${excerpt(answer.text)}` });
  }
  if (status < 500 && fuzzCase.statuses && !fuzzCase.statuses.includes(status)) {
    verdicts.push({ kind: 'unexpected_status', detail: `${status} where ${fuzzCase.statuses.join(' or ')} is right: ${excerpt(answer.text)}` });
  }
  const error = errorCodeOf(body);
  if (error === 'malformed_json' && fuzzCase.body?.kind === 'json') verdicts.push({ kind: 'valid_json_called_malformed', detail: excerpt(answer.text) });
  if (status === 400 && fuzzCase.names && isObject(body)) {
    const said = `${String(body.message)} ${JSON.stringify(body.details)}`;
    if (!fuzzCase.names.some((name) => said.includes(name))) verdicts.push({ kind: 'field_not_named', detail: `none of ${fuzzCase.names.join(', ')} in ${excerpt(answer.text)}` });
  }
  return verdicts;
}

/** The error code of an answer, when it has one. */
export function errorCodeOf(body: unknown): string | undefined {
  return isObject(body) && typeof body.error === 'string' ? body.error : undefined;
}

export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function errorShapeProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'not a JSON object';
  if (typeof body.error !== 'string') return 'no string "error"';
  if (typeof body.message !== 'string') return 'no string "message"';
  if (!isObject(body.details)) return 'no object "details"';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 240 ? `${flat.slice(0, 240)}…` : flat;
}

/**
 * One rule for `null` in optional fields (BRIEF §4): every probed field must get the same status
 * and error code. Returns the fields grouped by what they got when they disagree.
 */
export function nullRuleViolation(outcomes: { field: string; status: number; error?: string }[]): string | undefined {
  const byOutcome = new Map<string, Set<string>>();
  for (const outcome of outcomes) {
    const key = `${outcome.status}${outcome.error ? ` ${outcome.error}` : ''}`;
    byOutcome.set(key, (byOutcome.get(key) ?? new Set()).add(outcome.field));
  }
  if (byOutcome.size <= 1) return undefined;
  return [...byOutcome.entries()].map(([key, fields]) => `${key}: ${[...fields].sort().join(', ')}`).join('; ');
}
