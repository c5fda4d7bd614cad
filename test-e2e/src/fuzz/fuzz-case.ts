import { describeJson, renderJson, type JsonDocument } from './json-document.js';

/**
 * How the request authenticates: as principal number `principal` (modulo the principals at hand),
 * with a broken header (`{token}` in the template stands for that principal's valid token), or not at all.
 */
export type CaseAuth = { kind: 'principal'; principal: number } | { kind: 'header'; principal: number; template: string } | { kind: 'none' };

export const TOKEN_PLACEHOLDER = '{token}';

export type CaseBody =
  | { kind: 'json'; document: JsonDocument }
  /** Bytes as given: broken JSON, forms, XML. `latin1` sends each character as one byte (invalid UTF-8 on purpose). */
  | { kind: 'text'; text: string; encoding?: 'utf8' | 'latin1' };

/**
 * One fuzzed request and what a correct API must answer. `refused`: a 4xx, and nothing written;
 * `answered`: a valid but hostile read, any status below 500.
 */
export interface FuzzCase {
  /** The route as the controllers declare it: `POST /v1/mutations/:id/approvals`. */
  route: string;
  /** What is wrong with the request, for the report: `body.comment: lone surrogate`. */
  fault: string;
  expect: 'refused' | 'answered';
  /** Only these statuses are right (415 for a form body, 401 for a bad token). */
  statuses?: number[];
  /** A 400 must name one of these (in its message or details). */
  names?: string[];
  /** Set on dry runs with `null` in one optional field: every field must follow one rule. */
  nullProbe?: string;
  method: string;
  /** Path and query exactly as sent, already percent-encoded. */
  path: string;
  auth: CaseAuth;
  headers: Record<string, string>;
  body?: CaseBody;
}

/** The HTTP request of a case, ready to send. */
export interface RenderedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export function renderCase(fuzzCase: FuzzCase, tokens: readonly string[]): RenderedRequest {
  const headers: Record<string, string> = { ...fuzzCase.headers };
  const auth = fuzzCase.auth;
  if (auth.kind === 'principal') headers.authorization = `Bearer ${tokenOf(tokens, auth.principal)}`;
  if (auth.kind === 'header') headers.authorization = auth.template.split(TOKEN_PLACEHOLDER).join(tokenOf(tokens, auth.principal));
  const body = fuzzCase.body === undefined ? undefined : renderBody(fuzzCase.body);
  return { method: fuzzCase.method, path: fuzzCase.path, headers, ...(body !== undefined ? { body } : {}) };
}

function tokenOf(tokens: readonly string[], principal: number): string {
  return tokens[principal % tokens.length] as string;
}

export function renderBody(body: CaseBody): Buffer {
  return body.kind === 'json' ? Buffer.from(renderJson(body.document), 'utf8') : Buffer.from(body.text, body.encoding ?? 'utf8');
}

/** A one-screen repro: method, path, content type, auth and body, long and deep parts summarised. */
export function describeCase(fuzzCase: FuzzCase): string {
  const lines = [`${fuzzCase.method} ${truncate(fuzzCase.path, 300)}`];
  for (const [name, value] of Object.entries(fuzzCase.headers)) lines.push(`${name}: ${truncate(JSON.stringify(value), 200)}`);
  const auth = fuzzCase.auth;
  lines.push(`authorization: ${auth.kind === 'none' ? '(none)' : auth.kind === 'header' ? truncate(JSON.stringify(auth.template.split(TOKEN_PLACEHOLDER).join('<valid token>')), 200) : 'Bearer <valid token>'}`);
  if (fuzzCase.body !== undefined) {
    const size = renderBody(fuzzCase.body).length;
    const shown = fuzzCase.body.kind === 'json' ? describeJson(fuzzCase.body.document) : JSON.stringify(fuzzCase.body.text);
    lines.push(`body (${size} bytes): ${truncate(shown, 600)}`);
  }
  return lines.join('\n');
}

/** A size to pick the smallest repro of a group by. */
export function caseSize(fuzzCase: FuzzCase): number {
  return fuzzCase.path.length + (fuzzCase.body === undefined ? 0 : renderBody(fuzzCase.body).length);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} characters)`;
}
