import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import { describeEventStoreConformance, sleep, waitUntil } from '../testing/index.js';
import { EventStoreSchema1763800000000 } from './event-store-schema.migration.js';
import { ensureEventStoreSchema } from './event-store.schema.js';
import { PostgresEventStore } from './postgres-event-store.js';

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

const harnessPools: pg.Pool[] = [];
describeEventStoreConformance('postgres', {
  async open() {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
    harnessPools.push(pool);
    return new PostgresEventStore(pool);
  },
  async teardown() {
    await Promise.all(harnessPools.splice(0).map((pool) => pool.end()));
  },
});

describe('PostgresEventStore', () => {
  it('never lets readers pass an append that commits late with a lower position', async () => {
    const pool = openPool();
    const store = new PostgresEventStore(pool);
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
    const { rows } = await slow.query('SELECT last_position FROM countersign_append($1, $2, $3::jsonb)', [
      `slow-${randomUUID()}`,
      'any',
      JSON.stringify([{ id: randomUUID(), type: 'SlowlyCommitted', data: {} }]),
    ]);
    const slowPosition = Number(rows[0].last_position);
    expect(slowPosition).toBe(start + 1);

    let settled = 0;
    const fastAppends = Array.from({ length: 5 }, (_, index) =>
      store
        .appendToStream(`fast-${index}-${randomUUID()}`, [{ id: randomUUID(), type: 'QuicklyCommitted', data: {} }])
        .finally(() => (settled += 1)),
    );
    await waitUntil(
      async () => (await lockWaiters(pool)) >= 5,
      'the five appends queue behind the uncommitted one',
    );
    await sleep(100);
    expect(settled).toBe(0);
    expect(await store.headPosition()).toBe(start);
    expect(delivered).toEqual([]);

    await slow.query('COMMIT');
    await slow.end();
    const results = await Promise.all(fastAppends);
    const head = start + 6;
    expect(results.map((result) => result.position).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6].map((n) => start + n));
    expect(await store.headPosition()).toBe(head);
    await waitUntil(() => subscription.position >= head, 'the subscriber reaches the head');
    observing = false;
    await observer;
    await store.close();

    expect(delivered).toEqual([1, 2, 3, 4, 5, 6].map((n) => start + n));
    expect(delivered[0]).toBe(slowPosition);
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

  it('applies its schema again without harm, through ensureEventStoreSchema and the TypeORM migration', async () => {
    const pool = openPool();
    const store = new PostgresEventStore(pool);
    const stream = `schema-${randomUUID()}`;
    const appended = await store.appendToStream(stream, [{ id: randomUUID(), type: 'Kept', data: { n: 1 } }]);

    await ensureEventStoreSchema(pool);
    const client = await pool.connect();
    try {
      const queryRunner = { query: (sql: string) => client.query(sql) } as unknown as QueryRunner;
      await new EventStoreSchema1763800000000().up(queryRunner);
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

async function lockWaiters(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(
    "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return rows[0].waiting;
}
