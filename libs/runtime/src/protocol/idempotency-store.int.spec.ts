import { builtInContracts } from '@countersign/contracts';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadConfig, type CountersignConfig } from '../config/countersign-config.js';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { DatabaseModule } from '../database/database.module.js';
import type { Clock } from '../lanes/clock.js';
import { LanesModule } from '../lanes/lanes.module.js';
import { RuntimeModule } from '../runtime.module.js';
import { IdempotencyStore, requestFingerprint } from './idempotency-store.js';

class FakeClock implements Clock {
  constructor(private instant: number) {}
  now(): Date {
    return new Date(this.instant);
  }
  advance(ms: number): void {
    this.instant += ms;
  }
}

let database: TestDatabase;
let app: INestApplicationContext;
let store: IdempotencyStore;
let config: CountersignConfig;
const clock = new FakeClock(Date.parse('2030-06-01T08:00:00.000Z'));
const RETENTION_MS = 60_000;
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';
const fp = (body: unknown) => requestFingerprint('POST', '/v1/mutations', body as never);

beforeAll(async () => {
  database = await createTestDatabase('idempotency');
  config = { ...loadConfig({ COUNTERSIGN_LOG: 'silent' }), idempotencyRetentionMs: RETENTION_MS, idempotencyWaitMs: 300, runWorker: false, poolSize: 4 };
  app = await NestFactory.createApplicationContext(
    {
      module: class IdempotencyTest {},
      imports: [
        RuntimeModule.forRoot({ config, log: () => undefined, contracts: new ContractRegistry(builtInContracts) }),
        DatabaseModule.forRoot({ url: database.url, poolSize: 4 }),
        LanesModule.forRoot({ clock }),
      ],
    },
    { logger: false },
  );
  store = app.get(IdempotencyStore);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('requestFingerprint', () => {
  it('is the same for the same request whatever the key order, and differs for any other method, route or body', () => {
    expect(fp({ a: 1, b: { c: [1, 2] } })).toBe(fp({ b: { c: [1, 2] }, a: 1 }));
    expect(fp({ a: 1 })).not.toBe(fp({ a: 2 }));
    expect(requestFingerprint('POST', '/v1/mutations', { a: 1 })).not.toBe(requestFingerprint('POST', '/v1/batches', { a: 1 }));
  });
});

describe('IdempotencyStore', () => {
  it('gives the key to the first request; a retry waits for its answer and gets exactly that; another request is a conflict', async () => {
    expect(await store.claim('alice', 'k1', fp({ n: 1 }), A)).toEqual({ kind: 'owner', mutationId: A, recovering: false });
    const retry = store.claim('alice', 'k1', fp({ n: 1 }), B);
    const answer = { status: 201, body: { mutationId: A, status: 'applied', details: { zeta: 1, alpha: 2 } } };
    await store.complete('alice', 'k1', A, answer);
    const replayed = await retry;
    expect(replayed).toEqual({ kind: 'replay', mutationId: A, response: answer });
    // Byte for byte: the body's keys keep their order.
    expect(JSON.stringify(replayed.kind === 'replay' && replayed.response.body)).toBe(JSON.stringify(answer.body));
    expect(await store.claim('alice', 'k1', fp({ n: 2 }), B)).toEqual({ kind: 'conflict', mutationId: A });
  });

  it('scopes keys per principal', async () => {
    await store.claim('alice', 'shared', fp({ n: 1 }), A);
    expect(await store.claim('bob', 'shared', fp({ n: 1 }), B)).toEqual({ kind: 'owner', mutationId: B, recovering: false });
  });

  it('answers in_progress when the first request does not finish within the wait', async () => {
    await store.claim('alice', 'slow', fp({}), A);
    const started = Date.now();
    expect(await store.claim('alice', 'slow', fp({}), B)).toEqual({ kind: 'in_progress', mutationId: A });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('frees a released key (nothing was recorded) and hands an abandoned one over with the same mutation id to recover', async () => {
    await store.claim('alice', 'released', fp({}), A);
    await store.release('alice', 'released', A);
    expect(await store.claim('alice', 'released', fp({}), B)).toEqual({ kind: 'owner', mutationId: B, recovering: false });

    await store.claim('alice', 'abandoned', fp({}), A);
    await store.abandon('alice', 'abandoned', A);
    expect(await store.claim('alice', 'abandoned', fp({}), C)).toEqual({ kind: 'owner', mutationId: A, recovering: true });
  });

  it('ends a claim through a lost connection, so a retry takes an abandoned key over at once instead of waiting out the lease', async () => {
    // The request failed because PostgreSQL dropped the connections; the first write that ends the claim meets a dead one too.
    let failures = 0;
    const real = app.get(DataSource);
    const shaky = {
      query: (sql: string, parameters?: unknown[]) => {
        if (sql.includes('SET lease_until = $4') && failures === 0) {
          failures += 1;
          return Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
        }
        return real.query(sql, parameters);
      },
    } as unknown as DataSource;
    const owner = new IdempotencyStore(shaky, clock, config);
    await owner.claim('alice', 'blip', fp({}), A);
    await owner.abandon('alice', 'blip', A);
    expect(failures).toBe(1);
    expect(await store.claim('alice', 'blip', fp({}), C)).toEqual({ kind: 'owner', mutationId: A, recovering: true });
  });

  it('frees keys after the retention window and prunes them', async () => {
    await store.claim('alice', 'old', fp({ n: 1 }), A);
    await store.complete('alice', 'old', A, { status: 201, body: {} });
    clock.advance(RETENTION_MS + 1);
    expect(await store.claim('alice', 'old', fp({ n: 2 }), B)).toEqual({ kind: 'owner', mutationId: B, recovering: false });
    clock.advance(RETENTION_MS + 1);
    expect(await store.prune()).toBeGreaterThan(0);
    const left = (await app.get(DataSource).query('SELECT count(*)::int AS n FROM idempotency_keys WHERE expires_at <= $1', [clock.now()])) as { n: number }[];
    expect(left[0]?.n).toBe(0);
  });
});
