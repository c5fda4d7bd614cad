import fc from 'fast-check';
import http from 'node:http';
import { caseArbitrary } from './faults.js';
import { describeChange, type Fingerprint, type Fingerprinter } from './fingerprint.js';
import { renderCase, type FuzzCase, type RenderedRequest } from './fuzz-case.js';
import { errorCodeOf, judge, nullRuleViolation, parseJson, type Answer, type Verdict } from './oracle.js';
import type { Targets } from './routes.js';

/**
 * The HTTP fuzzer (docs/operations.md "Fuzzing the API"): `requests` cases from one seed, sent
 * one at a time so that a write is pinned on the request that made it. After every request the
 * fingerprint (every table, or the log head) is taken again; any change is a failure.
 */

export interface FuzzSystem {
  baseUrl: string;
  /** Valid bearer tokens; case principal n uses tokens[n % length]. */
  tokens: string[];
  targets: Targets;
  fingerprinter: Fingerprinter;
  /** The server's `internal error` log lines since the last call, when the fuzzer can read its log. */
  drainInternalErrors?: () => string[];
}

export interface FuzzOptions {
  seed: number;
  requests: number;
  /** Longest wait for one answer. */
  timeoutMs?: number;
  progress?: (line: string) => void;
}

export interface FuzzFailure {
  index: number;
  fuzzCase: FuzzCase;
  status: number;
  error?: string;
  verdict: Verdict;
}

export interface FuzzRun {
  seed: number;
  requests: number;
  sent: number;
  durationMs: number;
  failures: FuzzFailure[];
  /** Answers by status, and requests by route. */
  statuses: Record<string, number>;
  routes: Record<string, number>;
  /** Set when the server stopped answering and the run ended early. */
  stoppedAt?: number;
}

/** The cases of a seed; the first n of a longer run are the cases of a run of n. */
export function generateCases(targets: Targets, seed: number, requests: number): FuzzCase[] {
  return fc.sample(caseArbitrary(targets), { seed, numRuns: requests });
}

export async function runFuzz(system: FuzzSystem, options: FuzzOptions): Promise<FuzzRun> {
  const startedAt = Date.now();
  const cases = generateCases(system.targets, options.seed, options.requests);
  const run: FuzzRun = { seed: options.seed, requests: options.requests, sent: 0, durationMs: 0, failures: [], statuses: {}, routes: {} };
  const nullOutcomes = new Map<string, { field: string; status: number; error?: string; index: number }[]>();
  let fingerprint = await system.fingerprinter.take();
  for (const [index, fuzzCase] of cases.entries()) {
    const request = renderCase(fuzzCase, system.tokens);
    const answer = await send(system.baseUrl, request, options.timeoutMs ?? 60_000);
    run.sent += 1;
    run.statuses[String(answer.status || 'none')] = (run.statuses[String(answer.status || 'none')] ?? 0) + 1;
    run.routes[fuzzCase.route] = (run.routes[fuzzCase.route] ?? 0) + 1;
    const error = errorCodeOf(parseJson(answer.text));
    const verdicts = judge(fuzzCase, answer);
    if (answer.status >= 500 && system.drainInternalErrors) {
      // The server logs the cause before it answers; give the log pipe a moment to deliver it.
      await new Promise((resolve) => setTimeout(resolve, 25));
      const cause = system.drainInternalErrors()[0];
      if (cause) for (const verdict of verdicts) if (verdict.kind === 'server_error') verdict.detail = `${verdict.detail} — server log: ${cause}`;
    }
    system.drainInternalErrors?.();
    let after = await system.fingerprinter.take();
    if (describeChange(fingerprint, after).length > 0) {
      // A write moves the log at once; projections, sagas and deliveries follow. Wait for them, so
      // the whole change is pinned on this request and none of it on the next ones.
      after = await settled(system.fingerprinter, after);
      verdicts.push({ kind: 'wrote', detail: describeChange(fingerprint, after).join('; ') });
    }
    fingerprint = after;
    for (const verdict of verdicts) run.failures.push({ index, fuzzCase, status: answer.status, ...(error !== undefined ? { error } : {}), verdict });
    if (fuzzCase.nullProbe !== undefined && answer.transportError === undefined) {
      const outcomes = nullOutcomes.get(fuzzCase.route) ?? [];
      outcomes.push({ field: fuzzCase.nullProbe, status: answer.status, ...(error !== undefined ? { error } : {}), index });
      nullOutcomes.set(fuzzCase.route, outcomes);
    }
    if (answer.transportError !== undefined && !(await healthy(system.baseUrl))) {
      run.stoppedAt = index;
      break;
    }
    if ((index + 1) % 500 === 0) options.progress?.(`fuzz: ${index + 1}/${cases.length} requests, ${run.failures.length} failures, ${Math.round((Date.now() - startedAt) / 1000)} s`);
  }
  for (const [route, outcomes] of nullOutcomes) {
    const violation = nullRuleViolation(outcomes);
    const first = outcomes[0];
    if (violation && first) run.failures.push({ index: first.index, fuzzCase: cases[first.index] as FuzzCase, status: first.status, verdict: { kind: 'inconsistent_null', detail: `${route}: ${violation}` } });
  }
  run.durationMs = Date.now() - startedAt;
  return run;
}

/** The fingerprint once it held still for a second (or after 20 s, whatever it is then). */
async function settled(fingerprinter: Fingerprinter, latest: Fingerprint): Promise<Fingerprint> {
  const deadline = Date.now() + 20_000;
  let stillSince = Date.now();
  let current = latest;
  while (Date.now() < deadline && Date.now() - stillSince < 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await fingerprinter.take();
    if (describeChange(current, next).length > 0) stillSince = Date.now();
    current = next;
  }
  return current;
}

/** One request on a fresh connection (a refused oversized header can close a kept-alive one). */
export function send(baseUrl: string, request: RenderedRequest, timeoutMs: number): Promise<Answer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | number> = { ...request.headers, ...(request.body !== undefined ? { 'content-length': request.body.length } : {}) };
  const lost = (reason: string): Answer => ({ status: 0, contentType: '', text: '', transportError: reason });
  return new Promise((resolve) => {
    const receive = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', () => undefined);
      response.on('close', () => {
        const answer = { status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') };
        resolve(response.complete ? answer : { ...answer, transportError: 'the answer broke off midway' });
      });
    };
    let outgoing: http.ClientRequest;
    try {
      outgoing = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent: false }, receive);
    } catch (error) {
      // A case Node will not even send is a fuzzer bug: reported like a lost answer, so the run goes on.
      resolve(lost(`the fuzzer could not send it: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', (error) => resolve(lost(error.message)));
    outgoing.end(request.body);
  });
}

export async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
    return response.status === 200 && ((await response.json()) as { status?: string }).status === 'ok';
  } catch {
    return false;
  }
}
