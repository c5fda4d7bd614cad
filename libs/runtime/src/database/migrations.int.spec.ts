import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { allMigrations, createDataSource } from './migrations.js';

const TABLES = ['es_events', 'es_log_head', 'es_streams', 'mutation_timeline', 'mutations', 'projection_checkpoints', 'state_history', 'states'];

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
  return rows.map((row) => row.name);
}

async function recordedMigrations(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query('SELECT name FROM schema_migrations ORDER BY id');
  return rows.map((row) => row.name);
}

async function closeAll(dataSources: DataSource[]): Promise<void> {
  await Promise.all(dataSources.map((dataSource) => (dataSource.isInitialized ? dataSource.destroy() : undefined)));
}

describe('createDataSource', () => {
  const migrationNames = allMigrations.map((migration) => new migration().name ?? migration.name);
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('migrations');
  });

  afterAll(async () => {
    await database.drop();
  });

  it('creates the event-store and read-model tables on a fresh database and records each migration', async () => {
    const dataSource = await createDataSource(database.url, 2);
    try {
      expect(await tableNames(dataSource)).toEqual(expect.arrayContaining([...TABLES, 'schema_migrations']));
      expect(await recordedMigrations(dataSource)).toEqual(migrationNames);
      expect(migrationNames.length).toBeGreaterThanOrEqual(2);
    } finally {
      await closeAll([dataSource]);
    }
  });

  it('gives each indexed list filter an index on mutations that leads with its column (docs/read-models.md)', async () => {
    const dataSource = await createDataSource(database.url, 2);
    try {
      const rows: { column: string }[] = await dataSource.query(
        `SELECT a.attname AS column FROM pg_index i
           JOIN pg_class t ON t.oid = i.indrelid AND t.relname = 'mutations'
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]`,
      );
      const leading = new Set(rows.map((row) => row.column));
      for (const column of ['requested_at', 'actor_id', 'state_type', 'transition', 'status', 'risk_level', 'side_effect_severity', 'estimated_blast_radius', 'tags', 'metadata', 'applied_at']) {
        expect({ column, indexed: leading.has(column) }).toEqual({ column, indexed: true });
      }
    } finally {
      await closeAll([dataSource]);
    }
  });

  it('runs again on a migrated database without error or a second record', async () => {
    const dataSource = await createDataSource(database.url, 2);
    try {
      expect(await recordedMigrations(dataSource)).toEqual(migrationNames);
    } finally {
      await closeAll([dataSource]);
    }
  });

  it('lets two processes migrate the same fresh database at once', async () => {
    const fresh = await createTestDatabase('migrations_race');
    const results = await Promise.allSettled([createDataSource(fresh.url, 2), createDataSource(fresh.url, 2)]);
    const dataSources = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    try {
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(await tableNames(dataSources[0]!)).toEqual(expect.arrayContaining(TABLES));
      expect(await recordedMigrations(dataSources[1]!)).toEqual(migrationNames);
    } finally {
      await closeAll(dataSources);
      await fresh.drop();
    }
  });

  it('rejects a database that does not exist', async () => {
    const unreachable = new URL(database.url);
    unreachable.pathname = '/no_such_database';
    await expect(createDataSource(unreachable.toString(), 2)).rejects.toThrow('database "no_such_database" does not exist');
  });
});
