import { describe, expect, it } from '@jest/globals';
import { AppendBatcher, type AppendBatcherOptions, type BatchOutcome } from './append-batcher.js';

interface Call {
  requests: string[];
  finish(outcomes?: Array<BatchOutcome<string>>): void;
  fail(error: unknown): void;
}

/** A batcher whose executions stay pending until the test finishes them. */
function controlledBatcher(options: Partial<AppendBatcherOptions> = {}) {
  const calls: Call[] = [];
  let executing = 0;
  let maxExecuting = 0;
  const batcher = new AppendBatcher<string, string>(
    { maxBatchSize: 100, maxBatchBytes: 1_000, maxInFlight: 1, ...options },
    (requests) =>
      new Promise((resolve, reject) => {
        executing += 1;
        maxExecuting = Math.max(maxExecuting, executing);
        const done = () => (executing -= 1);
        calls.push({
          requests,
          finish: (outcomes) => {
            done();
            resolve(outcomes ?? requests.map((request) => ({ ok: true, value: `done:${request}` })));
          },
          fail: (error) => {
            done();
            reject(error);
          },
        });
      }),
  );
  return { batcher, calls, maxExecuting: () => maxExecuting };
}

/** Lets promise continuations and the batcher's deferred pump run. */
const flush = async () => {
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('AppendBatcher', () => {
  it('sends a request at once when idle, and queues the ones arriving meanwhile into the next batch, in order', async () => {
    const { batcher, calls } = controlledBatcher();
    const first = batcher.submit('a', 1);
    await flush();
    expect(calls.map((call) => call.requests)).toEqual([['a']]);

    const queued = ['b', 'c', 'd'].map((request) => batcher.submit(request, 1));
    await flush();
    expect(calls).toHaveLength(1);

    calls[0].finish();
    expect(await first).toBe('done:a');
    await flush();
    expect(calls.map((call) => call.requests)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1].finish();
    expect(await Promise.all(queued)).toEqual(['done:b', 'done:c', 'done:d']);
  });

  it('lets a caller answered by a batch, appending again at once, join the queued requests instead of going alone', async () => {
    const { batcher, calls } = controlledBatcher();
    const followUp = batcher.submit('a', 1).then(() => batcher.submit('c', 1));
    const queued = batcher.submit('b', 1);
    await flush();
    calls[0].finish();
    await flush();
    expect(calls.map((call) => call.requests)).toEqual([['a'], ['b', 'c']]);
    calls[1].finish();
    expect(await Promise.all([queued, followUp])).toEqual(['done:b', 'done:c']);
  });

  it('gives each request its own outcome', async () => {
    const { batcher, calls } = controlledBatcher();
    const plug = batcher.submit('plug', 1);
    const settled = Promise.allSettled(['x', 'y', 'z'].map((request) => batcher.submit(request, 1)));
    calls[0].finish();
    await plug;
    await flush();
    const conflict = new Error('conflict of y');
    calls[1].finish([
      { ok: true, value: 'x ok' },
      { ok: false, error: conflict },
      { ok: true, value: 'z ok' },
    ]);
    expect(await settled).toEqual([
      { status: 'fulfilled', value: 'x ok' },
      { status: 'rejected', reason: conflict },
      { status: 'fulfilled', value: 'z ok' },
    ]);
  });

  it('rejects every request of a batch whose execution throws or returns the wrong number of outcomes', async () => {
    const { batcher, calls } = controlledBatcher();
    const failure = new Error('connection lost');
    const failed = Promise.allSettled([batcher.submit('a', 1)]);
    const short = Promise.allSettled(['b', 'c'].map((request) => batcher.submit(request, 1)));
    calls[0].fail(failure);
    expect(await failed).toEqual([{ status: 'rejected', reason: failure }]);
    await flush();
    calls[1].finish([{ ok: true, value: 'only one' }]);
    const outcomes = await short;
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toContain('1 outcomes for 2 appends');
  });

  it('caps a batch by count and by bytes; a request above the byte cap goes alone', async () => {
    const { batcher, calls } = controlledBatcher({ maxBatchSize: 3, maxBatchBytes: 10 });
    const all = [batcher.submit('plug', 1)];
    for (const [request, bytes] of [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
      ['e', 4],
      ['f', 4],
      ['g', 4],
      ['huge', 50],
      ['h', 1],
    ] as const) {
      all.push(batcher.submit(request, bytes));
    }
    for (let index = 0; index < 6; index += 1) {
      await flush();
      calls[index].finish();
    }
    await Promise.all(all);
    expect(calls.map((call) => call.requests)).toEqual([['plug'], ['a', 'b', 'c'], ['d', 'e', 'f'], ['g'], ['huge'], ['h']]);
  });

  it('keeps at most maxInFlight batches executing', async () => {
    const { batcher, calls, maxExecuting } = controlledBatcher({ maxInFlight: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((request) => batcher.submit(request, 1));
    await flush();
    expect(calls.map((call) => call.requests)).toEqual([['a'], ['b']]);
    calls[1].finish();
    await flush();
    expect(calls.map((call) => call.requests)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    calls[0].finish();
    calls[2].finish();
    await Promise.all(all);
    expect(maxExecuting()).toBe(2);
  });

  it('idle() resolves once everything queued or executing has settled', async () => {
    const { batcher, calls } = controlledBatcher();
    await batcher.idle();
    const results = [batcher.submit('a', 1), batcher.submit('b', 1)];
    let idle = false;
    const becameIdle = batcher.idle().then(() => (idle = true));
    calls[0].finish();
    await flush();
    expect(idle).toBe(false);
    calls[1].finish();
    await becameIdle;
    expect(await Promise.all(results)).toEqual(['done:a', 'done:b']);
  });

  it('rejects options that are not positive integers', () => {
    const execute = async () => [];
    expect(() => new AppendBatcher({ maxBatchSize: 0, maxBatchBytes: 1, maxInFlight: 1 }, execute)).toThrow(TypeError);
    expect(() => new AppendBatcher({ maxBatchSize: 1, maxBatchBytes: 1, maxInFlight: 1.5 }, execute)).toThrow(TypeError);
  });
});
