import { eventStoreMigrations } from '@countersign/event-store';
import { readModelMigrations } from '@countersign/read-models';
import { DataSource } from 'typeorm';
import { IdempotencyKeys1763800400000 } from '../protocol/idempotency-schema.js';

/** Every schema migration, event store first. Listed explicitly so they run from source and dist alike. */
export const allMigrations = [...eventStoreMigrations, ...readModelMigrations, IdempotencyKeys1763800400000].sort(
  (a, b) => migrationTimestamp(a.name) - migrationTimestamp(b.name),
);

/** TypeORM runs migrations in the order of the timestamp their class name ends with; list them the same way. */
function migrationTimestamp(name: string): number {
  return Number(/(\d{13})$/.exec(name)?.[1] ?? 0);
}

/** Arbitrary constant: the advisory lock that keeps replicas from migrating at the same time. */
const MIGRATION_LOCK = 7_346_120_021;

/** Creates the TypeORM data source and brings the schema up to date; safe to run twice and from replicas at once. */
export async function createDataSource(url: string, poolSize: number): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: allMigrations,
    migrationsTableName: 'schema_migrations',
    entities: [],
    extra: { max: poolSize },
    logging: false,
  });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

export async function runMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
