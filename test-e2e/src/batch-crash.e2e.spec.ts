import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@countersign/persistence';
import { waitFor } from '@countersign/event-store/testing';
import { callApi, exited, startApiProcess } from './support/api-process.js';

describe('batch saga crash recovery (real process, SIGKILL)', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-batch-crash-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('killed right after step two’s compensation applied, the restarted worker finishes the rollback exactly once', async () => {
    const port = await findFreePort();
    child = await startApiProcess(dataDir, port, { COUNTERSIGN_FAULT_POINTS: 'batch.compensation.applied' });
    for (const [id, limit] of [['k-1', 1_000], ['k-2', 2_000], ['k-3', 3_000]] as const) {
      expect((await callApi(port, 'POST', '/v1/mutations', { stateType: 'credit-limit', stateId: id, transition: 'open', payload: { customerId: id, currency: 'EUR', limit } })).status).toBe(201);
    }
    const pending = await callApi(port, 'POST', '/v1/batches', {
      mode: 'atomic',
      mutations: [
        { stateType: 'credit-limit', stateId: 'k-1', transition: 'raiseLimit', payload: { by: 50_000 } },
        { stateType: 'credit-limit', stateId: 'k-2', transition: 'setLimit', payload: { amount: 2_500 } },
        { stateType: 'credit-limit', stateId: 'k-3', transition: 'setLimit', payload: { amount: 3_500 }, expectedVersion: 1 },
      ],
    });
    expect(pending.body.status).toBe('pending');
    const batchId = pending.body.batchId as string;
    const [step0, step1] = pending.body.steps as { mutationId: string }[];
    await callApi(port, 'POST', '/v1/mutations', { stateType: 'credit-limit', stateId: 'k-3', transition: 'setLimit', payload: { amount: 3_100 } });

    // The approval runs the saga: steps 1 and 2 apply, 3 conflicts, step 2's compensation applies on its lane — and the process dies before the batch records it.
    await expect(callApi(port, 'POST', `/v1/batches/${batchId}/approvals`, { decision: 'approve' }, 'carol')).rejects.toThrow();
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
    const restartedAt = new Date().toISOString();

    child = await startApiProcess(dataDir, port, { COUNTERSIGN_BATCH_RESUME_AFTER: '200ms', COUNTERSIGN_TIMER_POLL: '100ms' });
    const batch = await waitFor(
      async () => (await callApi(port, 'GET', `/v1/batches/${batchId}`)).body,
      (answer) => answer.status === 'compensated',
    );
    expect(batch).toMatchObject({ status: 'compensated', failedStep: 2 });
    expect(batch.steps.map((step: { status: string }) => step.status)).toEqual(['compensated', 'compensated', 'conflicted']);

    const position = batch.position as number;
    for (const [id, limit] of [['k-1', 1_000], ['k-2', 2_000]] as const) {
      // open, the batch's step, its one compensation: nothing applied twice.
      const state = await callApi(port, 'GET', `/v1/states/credit-limit/${id}?minPosition=${position}`);
      expect(state.body).toMatchObject({ version: 3, state: { limit } });
      const history = await callApi(port, 'GET', `/v1/states/credit-limit/${id}/history?minPosition=${position}`);
      expect(history.body.items.map((item: { transition: string }) => item.transition)).toEqual(['open', id === 'k-1' ? 'raiseLimit' : 'setLimit', id === 'k-1' ? 'revert:raiseLimit' : 'revert:setLimit']);
    }
    const compensations = await callApi(port, 'GET', `/v1/mutations?stateType=credit-limit&transition=revert:setLimit&minPosition=${position}`);
    expect(compensations.body.items.map((item: { compensates: string }) => item.compensates)).toEqual([step1!.mutationId]);
    // Step 2 was undone by the first process, step 1 by the restarted one: the rollback picked up in the middle.
    expect(compensations.body.items[0].requestedAt < restartedAt).toBe(true);
    const first = await callApi(port, 'GET', `/v1/mutations/${step0!.mutationId}?minPosition=${position}`);
    const undoneFirst = await callApi(port, 'GET', `/v1/mutations/${first.body.compensatedBy}?minPosition=${position}`);
    expect(undoneFirst.body.requestedAt > restartedAt).toBe(true);
  });
});
