import { createTestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ProjectionRunner } from '../runner/projection-runner.js';
import { connectReadModels, seedMutations, type ReadModelsConnection } from '../testing/index.js';
import { sideEffectsProjection } from './side-effects.projection.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let connection: ReadModelsConnection;

beforeAll(async () => {
  database = await createTestDatabase('side_effects');
  connection = await connectReadModels(database.url);
  // The seeder's credit-limit setLimit emits credit-limit.limit-set.
  await seedMutations(connection.eventStore, { count: 60, states: 6, seed: 8 });
});

afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

describe('side_effects projection (the outbox queue)', () => {
  it('queues one row per side effect recorded on MutationApplied, and a rebuild neither drops nor requeues delivered ones', async () => {
    const log = await connection.eventStore.readAll();
    const emitted = log.flatMap((event) => (event.type === 'MutationApplied' ? ((event.data as { sideEffects?: { deliveryId: string }[] }).sideEffects ?? []) : []));
    expect(emitted.length).toBeGreaterThan(0);
    const runner = new ProjectionRunner(connection.dataSource, connection.eventStore, sideEffectsProjection);
    await runner.start();
    expect(await runner.waitFor(log.length, PATIENT_WAIT_MS)).toBe(true);
    await runner.stop();
    const rows = (await connection.dataSource.query('SELECT delivery_id, status, attempts FROM side_effects ORDER BY delivery_id')) as { delivery_id: string; status: string }[];
    expect(rows.map((row) => row.delivery_id).sort()).toEqual(emitted.map((effect) => effect.deliveryId).sort());
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['pending']));

    const deliveredId = rows[0]!.delivery_id;
    await connection.dataSource.query(`UPDATE side_effects SET status = 'delivered', attempts = 2, delivered_at = now() WHERE delivery_id = $1`, [deliveredId]);
    await new ProjectionRunner(connection.dataSource, connection.eventStore, sideEffectsProjection).rebuild();
    const after = (await connection.dataSource.query('SELECT delivery_id, status, attempts FROM side_effects')) as { delivery_id: string; status: string; attempts: number }[];
    expect(after).toHaveLength(rows.length);
    expect(after.find((row) => row.delivery_id === deliveredId)).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});
