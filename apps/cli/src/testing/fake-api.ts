import { Writable } from 'node:stream';
import { run, type Io } from '../program.js';

/** A request the fake API saw: method, path with query, parsed JSON body, headers. */
export interface SeenRequest {
  method: string;
  url: URL;
  body: unknown;
  headers: Headers;
}

type Answer = { status: number; body?: unknown; text?: string; contentType?: string };
type Handler = Answer | ((request: SeenRequest) => Answer);

/**
 * A fake Countersign API for tests without a process or a server: answers by `METHOD /path`
 * (a list of answers is used in turn, the last one repeating), and keeps every request.
 */
export function fakeApi(routes: Record<string, Handler | Handler[]>) {
  const seen: SeenRequest[] = [];
  const used = new Map<string, number>();
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.text();
    const entry: SeenRequest = { method: request.method, url, body: text ? JSON.parse(text) : undefined, headers: request.headers };
    seen.push(entry);
    const key = `${request.method} ${url.pathname}`;
    const route = routes[key];
    if (route === undefined) return json({ status: 404, body: { error: 'not_found', message: `no fake route ${key}`, details: {} } });
    const list = Array.isArray(route) ? route : [route];
    const index = Math.min(used.get(key) ?? 0, list.length - 1);
    used.set(key, index + 1);
    const handler = list[index] as Handler;
    return json(typeof handler === 'function' ? handler(entry) : handler);
  };
  return { fetch, seen };
}

function json(answer: Answer): Response {
  if (answer.text !== undefined) return new Response(answer.text, { status: answer.status, headers: { 'content-type': answer.contentType ?? 'text/plain' } });
  return new Response(JSON.stringify(answer.body ?? {}), { status: answer.status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/** A stream that keeps what is written, as text. */
export class CapturedOutput extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `countersign <argv>` in this process against `fetch`: no config file unless the env
 * names one, no positions kept unless asked, a clock that advances with each sleep (waits end
 * at once), no colors unless `stdoutTTY`.
 */
export async function runCli(
  argv: readonly string[],
  options: { fetch?: Io['fetch']; env?: Record<string, string>; stdoutTTY?: boolean; stderrTTY?: boolean; rememberPositions?: boolean } = {},
): Promise<CliRun> {
  const stdout = new CapturedOutput(options.stdoutTTY ?? false);
  const stderr = new CapturedOutput(options.stderrTTY ?? false);
  let clock = Date.parse('2030-01-15T12:00:00.000Z');
  const exitCode = await run(argv, {
    env: { COUNTERSIGN_CONFIG: '/nonexistent/countersign-test/config.json', ...(options.env ?? {}) },
    stdout,
    stderr,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    pollIntervalMs: 500,
    rememberPositions: options.rememberPositions ?? false,
  });
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}
