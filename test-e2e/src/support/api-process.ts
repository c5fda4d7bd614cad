import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PRINCIPALS, type TestPrincipalName } from './principals.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Boots the built `npm start` entry point as a real process on the embedded PostgreSQL default, and waits until it is healthy. */
export async function startApiProcess(dataDir: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      EVENTSTORE_CONNECTION_STRING: '',
      PORT: String(port),
      COUNTERSIGN_DATA_DIR: dataDir,
      COUNTERSIGN_PRINCIPALS: JSON.stringify(Object.values(TEST_PRINCIPALS)),
      COUNTERSIGN_LOG: 'silent',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (child.exitCode !== null) throw new Error(`api exited early: ${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`api did not become healthy: ${stderr}`);
}

/** One HTTP call to a process started by startApiProcess, as a test principal. */
export async function callApi(port: number, method: string, route: string, body?: unknown, as: TestPrincipalName = 'alice') {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: { authorization: `Bearer ${TEST_PRINCIPALS[as].token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
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
