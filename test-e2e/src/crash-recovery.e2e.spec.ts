import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@countersign/persistence';
import { TEST_PRINCIPALS } from './support/principals.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const token = TEST_PRINCIPALS.alice.token;

/** Boots the built `npm start` entry point as a real process on the embedded PostgreSQL default. */
async function startProcess(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
    env: { ...process.env, DATABASE_URL: '', EVENTSTORE_CONNECTION_STRING: '', PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir, COUNTERSIGN_PRINCIPALS: JSON.stringify(Object.values(TEST_PRINCIPALS)), COUNTERSIGN_LOG: 'silent' },
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

async function call(port: number, method: string, route: string, body?: unknown) {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('crash safety of the embedded default', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-crash-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps an acknowledged mutation, its state version and the read models after SIGKILL right after the 201', async () => {
    const port = await findFreePort();
    child = await startProcess(dataDir, port);
    await call(port, 'POST', '/v1/mutations', { stateType: 'credit-limit', stateId: 'crash', transition: 'open', payload: { customerId: 'crash', currency: 'EUR' } });
    const acknowledged = await call(port, 'POST', '/v1/mutations', { stateType: 'credit-limit', stateId: 'crash', transition: 'raiseLimit', payload: { by: 700 } });
    child.kill('SIGKILL');
    expect(acknowledged.status).toBe(201);
    await new Promise((resolve) => child?.once('exit', resolve));

    // The killed process leaves its PostgreSQL running; the restart must take over the data folder.
    child = await startProcess(dataDir, port);
    const mutation = await call(port, 'GET', `/v1/mutations/${acknowledged.body.mutationId}?minPosition=${acknowledged.body.position}`);
    expect(mutation.body).toMatchObject({ status: 'applied', stateVersion: 2 });
    const state = await call(port, 'GET', `/v1/states/credit-limit/crash?minPosition=${acknowledged.body.position}`);
    expect(state.body).toMatchObject({ version: 2, state: { limit: 700 } });
    const history = await call(port, 'GET', `/v1/states/credit-limit/crash/history?minPosition=${acknowledged.body.position}`);
    expect(history.body.items.map((item: { version: number }) => item.version)).toEqual([1, 2]);
    const next = await call(port, 'POST', '/v1/mutations', { stateType: 'credit-limit', stateId: 'crash', transition: 'raiseLimit', payload: { by: 1 }, expectedVersion: 2 });
    expect(next.body).toMatchObject({ status: 'applied', stateVersion: 3 });
  });
});
