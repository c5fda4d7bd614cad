import { waitUntil } from '@countersign/event-store/testing';
import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/countersign-config.js';
import { systemClock } from '../lanes/clock.js';
import type { SideEffectDeliverer, SideEffectDelivery } from '../side-effects/side-effect-deliverer.port.js';
import { SideEffectWorker } from './side-effect-worker.js';

const CLAIMED = {
  delivery_id: '0f6f3c5e-1b7a-4c55-9d0e-000000000001',
  type: 'credit-limit.limit-set',
  data: { limit: 10 },
  mutation_id: '0f6f3c5e-1b7a-4c55-9d0e-000000000002',
  state_type: 'credit-limit',
  state_id: 'c-1',
  compensates: null,
  emitted_at: '2030-01-01T00:00:00.000Z',
  attempts: 1,
};

const killedBackend = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

/** The outbox as the worker sees it through SQL: one due row, and an outcome write that fails `failures` times first. */
function outbox(failures: number, failure: () => Error = killedBackend) {
  const outcomeWrites: { statement: string; ok: boolean }[] = [];
  let claimed = false;
  const dataSource = {
    query: async (statement: string) => {
      if (statement.includes('SET leased_until')) {
        if (claimed) return [[], 0];
        claimed = true;
        return [[CLAIMED], 1];
      }
      const ok = outcomeWrites.filter((write) => !write.ok).length >= failures;
      outcomeWrites.push({ statement, ok });
      if (!ok) throw failure();
      return [[], 1];
    },
  } as unknown as DataSource;
  return { dataSource, outcomeWrites };
}

function startWorker(dataSource: DataSource, deliveries: SideEffectDelivery[]): { worker: SideEffectWorker; logs: string[] } {
  const deliverer: SideEffectDeliverer = {
    types: () => '*',
    deliver: async (delivery) => {
      deliveries.push(delivery);
      return { ok: true, status: 204 };
    },
  };
  const logs: string[] = [];
  const config = loadConfig({ COUNTERSIGN_TIMER_POLL: '10ms', COUNTERSIGN_LOG: 'silent' });
  const worker = new SideEffectWorker(dataSource, deliverer, systemClock, config, (line) => logs.push(line));
  worker.onApplicationBootstrap();
  return { worker, logs };
}

describe('SideEffectWorker through a lost database connection', () => {
  it('records a delivery it made even when the connection drops on the write, instead of sending it again after the lease', async () => {
    const { dataSource, outcomeWrites } = outbox(2);
    const deliveries: SideEffectDelivery[] = [];
    const { worker } = startWorker(dataSource, deliveries);
    try {
      await waitUntil(() => outcomeWrites.some((write) => write.ok), 'the outcome is written');
    } finally {
      await worker.onApplicationShutdown();
    }
    expect(deliveries.map((delivery) => delivery.deliveryId)).toEqual([CLAIMED.delivery_id]);
    expect(outcomeWrites.map((write) => write.ok)).toEqual([false, false, true]);
    expect(outcomeWrites.every((write) => write.statement.includes("status = 'delivered'"))).toBe(true);
  });

  it('does not retry a write that failed for another reason: the loop logs it and the lease decides', async () => {
    const { dataSource, outcomeWrites } = outbox(1, () => Object.assign(new Error('permission denied for table side_effects'), { code: '42501' }));
    const { worker, logs } = startWorker(dataSource, []);
    try {
      await waitUntil(() => logs.length > 0, 'the worker logs the failure');
    } finally {
      await worker.onApplicationShutdown();
    }
    expect(outcomeWrites).toHaveLength(1);
    expect(logs[0]).toBe('side-effect worker: permission denied for table side_effects');
  });
});
