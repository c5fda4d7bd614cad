import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@countersign/persistence';
import { callApi, startApiProcess } from './support/api-process.js';

async function startProcess(dataDir: string, port: number): Promise<ChildProcess> {
  return startApiProcess(dataDir, port);
}

async function call(port: number, method: string, route: string, body?: unknown) {
  return callApi(port, method, route, body);
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
