import { describe, expect, it } from '@jest/globals';
import { ExecutionGate, OverCapacityError } from './execution-gate.js';

function latch() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('ExecutionGate', () => {
  it('runs up to the limit at once and queues the rest in arrival order', async () => {
    const gate = new ExecutionGate({ limit: 2, maxQueued: 10, maxWaitMs: 5_000 });
    const release = latch();
    const started: number[] = [];
    const runs = [0, 1, 2, 3].map((index) =>
      gate.run(async () => {
        started.push(index);
        await release.opened;
        return index;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toEqual([0, 1]);
    expect([gate.executing, gate.queued]).toEqual([2, 2]);
    release.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect([gate.executing, gate.queued]).toEqual([0, 0]);
  });

  it('refuses at once when the queue is full, and after the wait when no slot frees up, without running the work', async () => {
    const gate = new ExecutionGate({ limit: 1, maxQueued: 1, maxWaitMs: 50 });
    const release = latch();
    const busy = gate.run(() => release.opened);
    let ran = 0;
    const queued = gate.run(async () => {
      ran += 1;
    });
    await expect(
      gate.run(async () => {
        ran += 1;
      }),
    ).rejects.toBeInstanceOf(OverCapacityError);
    const refusal = await queued.catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OverCapacityError);
    expect(refusal).toMatchObject({ code: 'over_capacity', limit: 1 });
    expect((refusal as OverCapacityError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(ran).toBe(0);
    release.open();
    await busy;
    expect(gate.executing).toBe(0);
    await gate.run(async () => {
      ran += 1;
    });
    expect(ran).toBe(1);
  });

  it('gives the slot back when the work fails', async () => {
    const gate = new ExecutionGate({ limit: 1, maxQueued: 0, maxWaitMs: 0 });
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.executing).toBe(0);
    await expect(gate.run(async () => 'ok')).resolves.toBe('ok');
  });
});
