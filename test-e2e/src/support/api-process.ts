import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertDocumentedResponse } from './openapi-check.js';
import { PATIENT_TEST_ENV } from './patient-env.js';
import { TEST_PRINCIPALS, type TestPrincipalName } from './principals.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** How long a process may take to come up on a loaded machine (about 3 s on a quiet one). */
const START_DEADLINE_MS = 120_000;

/**
 * Boots the built `npm start` entry point as a real process and waits until it is healthy: on the
 * embedded PostgreSQL default in `dataDir`, or on the database `env.DATABASE_URL` names.
 */
export async function startApiProcess(dataDir: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawnEntryPoint('apps/api/dist/main.js', { PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir, COUNTERSIGN_LOG: 'silent', ...env });
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`api exited early: ${outputOf(child)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`api did not become healthy: ${outputOf(child)}`);
}

/** Boots the built `npm run start:worker` entry point on `databaseUrl` and waits until it says it runs. */
export async function startWorkerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  // The worker has no HTTP port: its log line says when it is up, so its log stays on.
  const child = spawnEntryPoint('apps/worker/dist/main.js', { DATABASE_URL: databaseUrl, COUNTERSIGN_LOG: 'info', ...env });
  const deadline = Date.now() + START_DEADLINE_MS;
  while (!outputOf(child).includes('projection worker running')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited early: ${outputOf(child)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start: ${outputOf(child)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

const outputs = new WeakMap<ChildProcess, { text: string }>();

/** What a process started here has written so far (stdout and stderr), for failure messages. */
export function outputOf(child: ChildProcess): string {
  return outputs.get(child)?.text ?? '';
}

function spawnEntryPoint(entryPoint: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [path.join(root, entryPoint)], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      EVENTSTORE_CONNECTION_STRING: '',
      COUNTERSIGN_PRINCIPALS: JSON.stringify(Object.values(TEST_PRINCIPALS)),
      ...PATIENT_TEST_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  outputs.set(child, output);
  const keep = (chunk: Buffer) => {
    // The tail is what explains a failure; a chatty process must not grow without bound.
    output.text = (output.text + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

/** One HTTP call to a process started by startApiProcess, as a test principal. */
export async function callApi(port: number, method: string, route: string, body?: unknown, as: TestPrincipalName = 'alice', headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: { authorization: `Bearer ${TEST_PRINCIPALS[as].token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = (await response.json()) as Record<string, any>;
  // A real process answers like TestApi's: every answer must be one the OpenAPI document describes.
  await assertDocumentedResponse({ method, path: route, status: response.status, contentType: response.headers.get('content-type'), body: answer });
  return { status: response.status, headers: response.headers, body: answer };
}

/** Resolves when the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A real `npm start` process with its log (stdout) and stderr kept for the test to read. */
export interface WatchedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until a log line matches, failing if the process exits first or the deadline passes. */
  logLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The exit code once the process has exited. */
  exitCode(): Promise<number | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the built entry point on the embedded default as an operator would: no principals
 * configured (so the demo principals), HOST unset and the log on, unless `env` says otherwise.
 */
export function watchApiProcess(env: Record<string, string>): WatchedProcess {
  const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      EVENTSTORE_CONNECTION_STRING: '',
      HOST: '',
      COUNTERSIGN_PRINCIPALS: '',
      COUNTERSIGN_PRINCIPALS_FILE: '',
      COUNTERSIGN_LOG: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async logLine(pattern, timeoutMs = 60_000) {
      for (let waited = 0; waited < timeoutMs; waited += 100) {
        const line = stdout.split('\n').find((candidate) => pattern.test(candidate));
        if (line !== undefined) return line;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`api exited (${child.exitCode ?? child.signalCode}) before logging ${pattern}: ${stdout}${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`api did not log ${pattern} within ${timeoutMs} ms: ${stdout}${stderr}`);
    },
    exitCode: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** Stops a process started here (SIGTERM, SIGKILL if it lingers) and waits until it is gone. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const lingering = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await gone;
  clearTimeout(lingering);
}
