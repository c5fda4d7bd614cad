import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import {
  IdempotencyMismatchError,
  StreamRevisionConflictError,
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port.js';
import { describeEventStoreConformance, sleep, waitUntil } from '../testing/index.js';
import { eventStoreMigrations } from './event-store-schema.migration.js';
import { ensureEventStoreSchema } from './event-store.schema.js';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store.js';

// Own database on the server the Jest global setup started (not @countersign/persistence/testing,
// which would make this lib depend on persistence and risk a cycle once persistence lists our migrations).
const serverUrl = process.env.COUNTERSIGN_TEST_DATABASE_URL;
const databaseName = `es_${randomBytes(5).toString('hex')}`;
let databaseUrl: string;
const pools: pg.Pool[] = [];

function openPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  pools.push(pool);
  return pool;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (!serverUrl) throw new Error('COUNTERSIGN_TEST_DATABASE_URL is not set: run through the Jest global setup');
  await onServer((client) => client.query(`CREATE DATABASE ${databaseName}`));
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  databaseUrl = url.toString();
  await ensureEventStoreSchema(openPool());
});

afterAll(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
  if (!serverUrl) return;
  await onServer(async (client) => {
    // pool.end() resolves before its connections have said goodbye; FORCE would kill them mid-way
    // and their clients would raise an unhandled error.
    const sessions = async () =>
      (await client.query('SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = $1', [databaseName]))
        .rows[0].open;
    await waitUntil(async () => (await sessions()) === 0, 'the test connections are closed', 5_000).catch(() => undefined);
    await client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  });
});

for (const [name, options] of [
  ['postgres', {}],
  ['postgres without group commit', { batchAppends: false }],
] as Array<[string, PostgresEventStoreOptions]>) {
  const harnessPools: pg.Pool[] = [];
  describeEventStoreConformance(name, {
    async open() {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
      harnessPools.push(pool);
      return new PostgresEventStore(pool, options);
    },
    async teardown() {
      await Promise.all(harnessPools.splice(0).map((pool) => pool.end()));
    },
  });
}

describe('PostgresEventStore', () => {
  it.each([
    { mode: 'one append at a time', options: { batchAppends: false }, slowAppends: 1, waiters: 5 },
    { mode: 'group commit', options: { maxBatchesInFlight: 2 }, slowAppends: 2, waiters: 2 },
  ])('never lets readers pass an append that commits late with a lower position ($mode)', async (scenario) => {
    const { slowAppends, waiters } = scenario;
    const pool = openPool();
    const store = new PostgresEventStore(pool, scenario.options as PostgresEventStoreOptions);
    const start = await store.headPosition();
    const delivered: number[] = [];
    const subscription = store.subscribeToAll({
      after: start,
      batchSize: 2,
      handler: async (batch) => {
        delivered.push(...batch.map((event) => event.position));
      },
    });
    // Every snapshot a reader takes must be a gap-free prefix of the log after `start`.
    const snapshots: number[][] = [];
    let observing = true;
    const observer = (async () => {
      while (observing) {
        snapshots.push((await store.readAll({ after: start })).map((event) => event.position));
        await sleep(5);
      }
    })();

    const slow = new pg.Client({ connectionString: databaseUrl });
    await slow.connect();
    await slow.query('BEGIN');
    // With group commit, the late transaction is itself a batch of `slowAppends` appends.
    const slowEvents = () => JSON.stringify([{ id: randomUUID(), type: 'SlowlyCommitted', data: {} }]);
    const { rows } =
      slowAppends === 1
        ? await slow.query('SELECT last_position FROM countersign_append($1, $2, $3::jsonb)', [
            `slow-${randomUUID()}`,
            'any',
            slowEvents(),
          ])
        : await slow.query('SELECT last_position FROM countersign_append_batch($1::jsonb)', [
            JSON.stringify(
              Array.from({ length: slowAppends }, () => ({
                stream: `slow-${randomUUID()}`,
                expected: 'any',
                events: JSON.parse(slowEvents()),
              })),
            ),
          ]);
    const slowPositions = rows.map((row) => Number(row.last_position));
    expect(slowPositions).toEqual(slowPositions.map((_, index) => start + 1 + index));

    let settled = 0;
    const fastAppends = Array.from({ length: 5 }, (_, index) =>
      store
        .appendToStream(`fast-${index}-${randomUUID()}`, [{ id: randomUUID(), type: 'QuicklyCommitted', data: {} }])
        .finally(() => (settled += 1)),
    );
    // Without group commit all five wait for the lock; with it, the two batches in flight do,
    // and the other appends queue in the store.
    await waitUntil(
      async () => (await lockWaiters(pool)) >= waiters,
      'the appends queue behind the uncommitted one',
    );
    await sleep(100);
    expect(settled).toBe(0);
    expect(await store.headPosition()).toBe(start);
    expect(delivered).toEqual([]);

    await slow.query('COMMIT');
    await slow.end();
    const results = await Promise.all(fastAppends);
    const total = slowAppends + 5;
    const head = start + total;
    expect(results.map((result) => result.position).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 5 }, (_, index) => start + slowAppends + 1 + index),
    );
    expect(await store.headPosition()).toBe(head);
    await waitUntil(() => subscription.position >= head, 'the subscriber reaches the head');
    observing = false;
    await observer;
    await store.close();

    expect(delivered).toEqual(Array.from({ length: total }, (_, index) => start + 1 + index));
    expect(delivered.slice(0, slowAppends)).toEqual(slowPositions);
    for (const positions of snapshots) {
      expect(positions).toEqual(positions.map((_, index) => start + 1 + index));
    }
    expect(snapshots.some((positions) => positions.length === 0)).toBe(true);
  });

  it('shows that a bigserial position alone lets a reader skip a late commit (why ADR 0002 exists)', async () => {
    const pool = openPool();
    await pool.query('CREATE TABLE naive_log (position bigserial PRIMARY KEY, payload text NOT NULL)');
    const slow = new pg.Client({ connectionString: databaseUrl });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      const slowRow = await slow.query("INSERT INTO naive_log (payload) VALUES ('slow') RETURNING position");
      const fastRow = await pool.query("INSERT INTO naive_log (payload) VALUES ('fast') RETURNING position");
      const slowPosition = Number(slowRow.rows[0].position);
      const fastPosition = Number(fastRow.rows[0].position);

      const readAfter = async (after: number) =>
        (await pool.query('SELECT position FROM naive_log WHERE position > $1 ORDER BY position', [after])).rows.map(
          (row) => Number(row.position),
        );
      const firstRead = await readAfter(0);
      const checkpoint = firstRead.at(-1) ?? 0;
      await slow.query('COMMIT');

      expect(slowPosition).toBeLessThan(fastPosition);
      expect(firstRead).toEqual([fastPosition]);
      expect(await readAfter(checkpoint)).toEqual([]);
      expect(await readAfter(0)).toEqual([slowPosition, fastPosition]);
    } finally {
      await slow.end();
      await pool.query('DROP TABLE IF EXISTS naive_log');
    }
  });

  it('applies its schema again without harm, through ensureEventStoreSchema and the TypeORM migrations', async () => {
    const pool = openPool();
    const store = new PostgresEventStore(pool);
    const stream = `schema-${randomUUID()}`;
    const appended = await store.appendToStream(stream, [{ id: randomUUID(), type: 'Kept', data: { n: 1 } }]);

    await ensureEventStoreSchema(pool);
    const client = await pool.connect();
    try {
      const queryRunner = { query: (sql: string) => client.query(sql) } as unknown as QueryRunner;
      for (const migration of eventStoreMigrations) await new migration().up(queryRunner);
    } finally {
      client.release();
    }

    const [event] = await store.readStream(stream);
    expect(event).toMatchObject({ position: appended.position, data: { n: 1 } });
    expect(await store.headPosition()).toBeGreaterThanOrEqual(appended.position);
    await store.close();
  });

  it('leaves open the pool it was given when it closes', async () => {
    const pool = openPool();
    const store = new PostgresEventStore(pool);
    const subscription = store.subscribeToAll({ handler: async () => undefined });
    await store.close();

    expect(pool.ended).toBe(false);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await subscription.stop();
    await expect(store.headPosition()).rejects.toThrow('closed');
  });
});

describe('PostgresEventStore group commit', () => {
  it('gives each append of a batch its own outcome: a conflict or a reused id in the middle leaves its neighbours alone', async () => {
    const { pool, batches } = recordingPool();
    const store = new PostgresEventStore(pool, { maxBatchesInFlight: 2 });
    const [opened, conflicting, missing, retried, reusing] = ['opened', 'conflicting', 'missing', 'retried', 'reusing'].map(
      (name) => `${name}-${randomUUID()}`,
    );
    await store.appendToStream(opened, [newEvent()], { expectedRevision: 'no_stream' });
    const original = [newEvent(), newEvent()];
    const originalResult = await store.appendToStream(retried, original, { expectedRevision: 'no_stream' });
    const fresh = Array.from({ length: 3 }, () => newEvent());

    const outcomes = await inOneBatch(store, pool, 2, () => [
      store.appendToStream(opened, [fresh[0]], { expectedRevision: 0 }),
      store.appendToStream(conflicting, [newEvent()], { expectedRevision: 5 }),
      store.appendToStream(missing, [newEvent()], { expectedRevision: 'stream_exists' }),
      store.appendToStream(retried, original, { expectedRevision: 'no_stream' }),
      store.appendToStream(reusing, [newEvent(), original[1]]),
      store.appendToStream(opened, [fresh[1], fresh[2]], { expectedRevision: 1 }),
    ]);

    expect(batches).toEqual([{ appends: 6 }]); // one batch, and it did not fail (no fallback)
    const [first, conflict, noStream, retry, reused, last] = outcomes;
    expect(first).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
    expect(reasonOf(conflict)).toBeInstanceOf(StreamRevisionConflictError);
    expect(reasonOf(conflict)).toMatchObject({ streamName: conflicting, expected: 5, actual: 'no_stream' });
    expect(reasonOf(noStream)).toMatchObject({ streamName: missing, expected: 'stream_exists', actual: 'no_stream' });
    expect(retry).toEqual({ status: 'fulfilled', value: originalResult });
    expect(reasonOf(reused)).toBeInstanceOf(IdempotencyMismatchError);
    expect(reasonOf(reused)).toMatchObject({ streamName: reusing });
    const firstPosition = valueOf(first).position;
    expect(valueOf(last)).toEqual({ nextExpectedRevision: 3, position: firstPosition + 2 });

    const stored = await store.readStream(opened);
    expect(stored.map((event) => [event.id, event.streamRevision, event.position])).toEqual([
      [stored[0].id, 0, stored[0].position],
      [fresh[0].id, 1, firstPosition],
      [fresh[1].id, 2, firstPosition + 1],
      [fresh[2].id, 3, firstPosition + 2],
    ]);
    expect(await store.headPosition()).toBe(firstPosition + 2);
    expect(await transactionsOf(pool, fresh)).toBe(1);
    for (const stream of [conflicting, missing, reusing]) expect(await store.readStream(stream)).toEqual([]);
    // Rejected appends leave no stream rows behind, as a rolled-back single append would not.
    const { rows } = await pool.query('SELECT stream_name FROM es_streams WHERE stream_name = ANY ($1)', [
      [conflicting, missing, reusing],
    ]);
    expect(rows).toEqual([]);
    await store.close();
  });

  it('lets appends to one stream in one batch see each other: exact revisions both succeed in order, the same stale revision lets only the first win', async () => {
    const { pool, batches } = recordingPool();
    const store = new PostgresEventStore(pool, { maxBatchesInFlight: 1 });
    const [fresh, existing] = [`fresh-${randomUUID()}`, `existing-${randomUUID()}`];
    await store.appendToStream(existing, [newEvent()], { expectedRevision: 'no_stream' });

    const [opens, follows, wins, loses] = await inOneBatch(store, pool, 1, () => [
      store.appendToStream(fresh, [newEvent()], { expectedRevision: 'no_stream' }),
      store.appendToStream(fresh, [newEvent(), newEvent()], { expectedRevision: 0 }),
      store.appendToStream(existing, [newEvent()], { expectedRevision: 0 }),
      store.appendToStream(existing, [newEvent()], { expectedRevision: 0 }),
    ]);

    expect(batches).toEqual([{ appends: 4 }]); // one batch, and it did not fail (no fallback)
    const start = valueOf(opens).position;
    expect(valueOf(opens)).toEqual({ nextExpectedRevision: 0, position: start });
    expect(valueOf(follows)).toEqual({ nextExpectedRevision: 2, position: start + 2 });
    expect(valueOf(wins)).toEqual({ nextExpectedRevision: 1, position: start + 3 });
    expect(reasonOf(loses)).toBeInstanceOf(StreamRevisionConflictError);
    expect(reasonOf(loses)).toMatchObject({ streamName: existing, expected: 0, actual: 1 });
    expect((await store.readStream(fresh)).map((event) => event.position)).toEqual([start, start + 1, start + 2]);
    expect((await store.readStream(existing)).map((event) => event.streamRevision)).toEqual([0, 1]);
    await store.close();
  });

  it('treats an append repeated inside the same batch as an idempotent retry, and a partial repeat as reused ids', async () => {
    const { pool, batches } = recordingPool();
    const store = new PostgresEventStore(pool, { maxBatchesInFlight: 1 });
    const [stream, other] = [`twice-${randomUUID()}`, `other-${randomUUID()}`];
    const events = [newEvent(), newEvent()];

    const [original, retry, partial, elsewhere, next] = await inOneBatch(store, pool, 1, () => [
      store.appendToStream(stream, events, { expectedRevision: 'no_stream' }),
      store.appendToStream(stream, events, { expectedRevision: 'no_stream' }),
      store.appendToStream(stream, [events[1], newEvent()]),
      store.appendToStream(other, [events[0]]),
      store.appendToStream(stream, [newEvent()], { expectedRevision: 1 }),
    ]);

    expect(batches).toEqual([{ appends: 5 }]); // one batch, and it did not fail (no fallback)
    expect(valueOf(retry)).toEqual(valueOf(original));
    expect(reasonOf(partial)).toBeInstanceOf(IdempotencyMismatchError);
    expect(reasonOf(elsewhere)).toBeInstanceOf(IdempotencyMismatchError);
    expect(reasonOf(elsewhere)).toMatchObject({ streamName: other });
    expect(valueOf(next)).toEqual({ nextExpectedRevision: 2, position: valueOf(original).position + 1 });
    expect((await store.readStream(stream)).length).toBe(3);
    // And again later, now that the original is committed: the same result, nothing stored twice.
    expect(await store.appendToStream(stream, events, { expectedRevision: 'no_stream' })).toEqual(valueOf(original));
    expect(await store.readStream(other)).toEqual([]);
    await store.close();
  });

  it('appends each member alone when the batch fails as a whole (an id committed to another stream after the check)', async () => {
    const { pool, batches } = recordingPool();
    const store = new PostgresEventStore(pool, { maxBatchesInFlight: 2 });
    const locked = `locked-${randomUUID()}`;
    await store.appendToStream(locked, [newEvent()], { expectedRevision: 'no_stream' });
    const [taken, free] = [newEvent(), newEvent()];
    const [streamLock, headLock] = [await openClient(), await openClient()];
    try {
      // Both batch slots wait for a stream lock; they will fail fast with conflicts once it is freed.
      await streamLock.query('BEGIN');
      await streamLock.query('SELECT revision FROM es_streams WHERE stream_name = $1 FOR UPDATE', [locked]);
      const plugs = [1, 2].map(() =>
        store.appendToStream(locked, [newEvent()], { expectedRevision: 5 }).catch((error: unknown) => error),
      );
      await waitUntil(async () => (await lockWaiters(pool)) >= 2, 'both batch slots are busy');
      const attempts = Promise.allSettled([
        store.appendToStream(`x-${randomUUID()}`, [taken]),
        store.appendToStream(`y-${randomUUID()}`, [free]),
      ]);
      // The batch then checks its ids (all new) and waits for the log head...
      await headLock.query('BEGIN');
      await headLock.query('SELECT position FROM es_log_head FOR UPDATE');
      await streamLock.query('COMMIT');
      for (const plug of await Promise.all(plugs)) expect(plug).toBeInstanceOf(StreamRevisionConflictError);
      await waitUntil(
        async () => batches.length === 1 && (await lockWaiters(pool)) >= 1,
        'the batch waits for the head',
      );
      // ...while another stream commits one of them.
      await headLock.query('SELECT countersign_append($1, $2, $3::jsonb)', [
        `z-${randomUUID()}`,
        'any',
        JSON.stringify([taken]),
      ]);
      await headLock.query('COMMIT');

      const [reused, appended] = await attempts;
      expect(batches).toEqual([{ appends: 2, error: expect.objectContaining({ code: '23505' }) }]);
      expect(reasonOf(reused)).toBeInstanceOf(IdempotencyMismatchError);
      const stored = await store.readAll({ after: valueOf(appended).position - 2 });
      expect(stored.map((event) => event.id)).toEqual([taken.id, free.id]);
    } finally {
      await streamLock.end();
      await headLock.end();
    }
    await store.close();
  });

  it('close() takes no new appends but lets the queued ones finish with their real results', async () => {
    const { pool } = recordingPool();
    const store = new PostgresEventStore(pool, { maxBatchesInFlight: 1 });
    const stream = `closing-${randomUUID()}`;
    let closing: Promise<void> | undefined;
    let closed = false;
    const outcomes = await inOneBatch(store, pool, 1, () => {
      const queued = [store.appendToStream(stream, [newEvent()]), store.appendToStream(stream, [newEvent()])];
      closing = store.close().then(() => {
        closed = true;
      });
      return queued;
    });
    expect(outcomes.map((outcome) => valueOf(outcome).nextExpectedRevision)).toEqual([0, 1]);
    await closing;
    expect(closed).toBe(true);
    await expect(store.appendToStream(stream, [newEvent()])).rejects.toThrow('closed');
  });

  it('locks the streams of a batch in name order whatever the array order, so it never holds a later stream while waiting', async () => {
    const pool = openPool();
    const store = new PostgresEventStore(pool);
    const suffix = randomUUID();
    const [first, second] = [`a-${suffix}`, `b-${suffix}`];
    for (const stream of [first, second]) await store.appendToStream(stream, [newEvent()]);
    const [holder, batch] = [await openClient(), await openClient()];
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT revision FROM es_streams WHERE stream_name = $1 FOR UPDATE', [first]);
      const appended = batch.query('SELECT outcome FROM countersign_append_batch($1::jsonb)', [
        JSON.stringify([second, first].map((stream) => ({ stream, expected: 'any', events: [newEvent()] }))),
      ]);
      await waitUntil(async () => (await lockWaiters(pool)) >= 1, 'the batch waits for the first stream');
      // Had the batch locked the second stream (first in its array) already, this would deadlock.
      await holder.query("SET LOCAL lock_timeout = '5s'");
      await holder.query('SELECT revision FROM es_streams WHERE stream_name = $1 FOR UPDATE', [second]);
      await holder.query('COMMIT');
      expect((await appended).rows).toEqual([{ outcome: 'ok' }, { outcome: 'ok' }]);
    } finally {
      await Promise.all([holder.end(), batch.end()]);
    }
    await store.close();
  });

  it('stays deadlock-free and commit-ordered with two stores (as two API replicas) appending to overlapping streams while a subscriber follows', async () => {
    const replicas = [recordingPool(), recordingPool()];
    // Two batches in flight per store: more transactions locking streams at once.
    const stores = replicas.map(({ pool }) => new PostgresEventStore(pool, { maxBatchesInFlight: 2 }));
    const streams = Array.from({ length: 8 }, (_, index) => `shared-${index}-${randomUUID()}`);
    const start = await stores[0].headPosition();
    const delivered: RecordedEvent[] = [];
    const subscription = stores[0].subscribeToAll({
      after: start,
      batchSize: 50,
      handler: async (batch) => {
        delivered.push(...batch);
      },
    });
    const snapshots: number[][] = [];
    let observing = true;
    const observer = (async () => {
      while (observing) {
        const { rows } = await replicas[1].pool.query(
          'SELECT position FROM es_events WHERE position > $1 ORDER BY position',
          [start],
        );
        snapshots.push(rows.map((row) => Number(row.position)));
        await sleep(10);
      }
    })();

    const latest = new Map<string, number>();
    const acknowledged: Array<{ stream: string; events: NewEvent[]; result: AppendResult }> = [];
    const retries: Array<{ original: AppendResult; retried: AppendResult }> = [];
    const unexpected: unknown[] = [];
    let conflicts = 0;
    const random = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
    await Promise.all(
      stores.flatMap((store) =>
        Array.from({ length: 16 }, async () => {
          for (let call = 0; call < 50; call += 1) {
            const dice = Math.random();
            if (dice < 0.1 && acknowledged.length > 0) {
              const previous = random(acknowledged);
              const retried = await store.appendToStream(previous.stream, previous.events, {
                expectedRevision: 'no_stream',
              });
              retries.push({ original: previous.result, retried });
              continue;
            }
            const stream = random(streams);
            const known = latest.get(stream);
            const expectedRevision: ExpectedRevision =
              dice < 0.6 ? 'any' : dice < 0.9 ? (known ?? 'no_stream') : 'stream_exists';
            const events = Array.from({ length: 1 + Math.floor(Math.random() * 2) }, () => newEvent());
            try {
              const result = await store.appendToStream(stream, events, { expectedRevision });
              acknowledged.push({ stream, events, result });
              latest.set(stream, Math.max(latest.get(stream) ?? -1, result.nextExpectedRevision));
            } catch (error) {
              if (error instanceof StreamRevisionConflictError && expectedRevision !== 'any') conflicts += 1;
              else unexpected.push(error);
            }
          }
        }),
      ),
    );
    const head = await stores[0].headPosition();
    await waitUntil(() => subscription.position >= head, `the subscriber reaches position ${head}`);
    await subscription.stop();
    observing = false;
    await observer;
    await Promise.all(stores.map((store) => store.close()));

    expect(unexpected).toEqual([]);
    for (const { batches } of replicas) {
      expect(batches.filter((batch) => batch.error !== undefined)).toEqual([]);
      expect(batches.some((batch) => batch.appends > 1)).toBe(true);
    }
    expect(conflicts + acknowledged.length + retries.length).toBe(2 * 16 * 50);
    for (const { original, retried } of retries) expect(retried).toEqual(original);

    // Gap-free, in commit order (every snapshot a prefix), each acknowledged event exactly once.
    expect(delivered.map((event) => event.position)).toEqual(
      Array.from({ length: head - start }, (_, index) => start + 1 + index),
    );
    for (const positions of snapshots) expect(positions).toEqual(positions.map((_, index) => start + 1 + index));
    const ids = acknowledged.flatMap(({ events }) => events.map((event) => event.id));
    expect(delivered.map((event) => event.id).sort()).toEqual([...ids].sort());
    const byId = new Map(delivered.map((event) => [event.id, event]));
    for (const { stream, events, result } of acknowledged) {
      expect(events.map((event) => byId.get(event.id)?.position)).toEqual(
        events.map((_, index) => result.position - events.length + 1 + index),
      );
      expect(byId.get(events.at(-1)!.id)).toMatchObject({
        streamName: stream,
        streamRevision: result.nextExpectedRevision,
      });
    }
    for (const stream of streams) {
      const revisions = delivered.filter((event) => event.streamName === stream).map((event) => event.streamRevision);
      expect(revisions).toEqual(revisions.map((_, index) => index));
    }
  });
});

interface BatchCall {
  appends: number;
  error?: unknown;
}

/** A pool that records each countersign_append_batch call: its size, and its error if it failed. */
function recordingPool(): { pool: pg.Pool; batches: BatchCall[] } {
  const pool = openPool();
  const batches: BatchCall[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  Object.assign(pool, {
    query: async (...args: unknown[]) => {
      const [text, values] = args as [unknown, unknown[] | undefined];
      if (typeof text !== 'string' || !text.includes('countersign_append_batch')) return query(...args);
      const call: BatchCall = { appends: (JSON.parse(String(values?.[0])) as unknown[]).length };
      batches.push(call);
      try {
        return await query(...args);
      } catch (error) {
        call.error = error;
        throw error;
      }
    },
  });
  return { pool, batches };
}

/**
 * Holds the log head while `inFlight` appends occupy every batch slot of `store`, so the appends
 * `enqueue` starts all queue and then go to the database as ONE batch.
 */
async function inOneBatch<T>(
  store: PostgresEventStore,
  pool: pg.Pool,
  inFlight: number,
  enqueue: () => Array<Promise<T>>,
): Promise<Array<PromiseSettledResult<T>>> {
  const holder = await openClient();
  let attempts: Promise<Array<PromiseSettledResult<T>>>;
  let plugs: Array<Promise<unknown>> = [];
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT position FROM es_log_head FOR UPDATE');
    plugs = Array.from({ length: inFlight }, () => store.appendToStream(`plug-${randomUUID()}`, [newEvent()]));
    await waitUntil(async () => (await lockWaiters(pool)) >= inFlight, 'every batch slot waits for the log head');
    attempts = Promise.allSettled(enqueue());
  } finally {
    await holder.query('COMMIT');
    await holder.end();
  }
  await Promise.all(plugs);
  return attempts;
}

async function openClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** How many transactions wrote these events (xmin): 1 when they were appended in one batch. */
async function transactionsOf(pool: pg.Pool, events: NewEvent[]): Promise<number> {
  const { rows } = await pool.query(
    'SELECT count(DISTINCT xmin::text)::int AS n FROM es_events WHERE event_id = ANY ($1::uuid[])',
    [events.map((event) => event.id)],
  );
  return rows[0].n;
}

function newEvent(): NewEvent {
  return { id: randomUUID(), type: 'SomethingHappened', data: { value: randomUUID() } };
}

function valueOf<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw new Error(`expected a result, got ${String(outcome.reason)}`);
  return outcome.value;
}

function reasonOf(outcome: PromiseSettledResult<unknown>): unknown {
  if (outcome.status === 'fulfilled') throw new Error(`expected an error, got ${JSON.stringify(outcome.value)}`);
  return outcome.reason;
}

async function lockWaiters(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(
    "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return rows[0].waiting;
}
