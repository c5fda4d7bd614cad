import { eventStoreMigrations, PostgresEventStore } from '@countersign/event-store';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { readModelMigrations } from '../migrations/read-models-schema.js';

/** One process's view of a database holding the event store and the read models. */
export interface ReadModelsConnection {
  readonly dataSource: DataSource;
  readonly pool: pg.Pool;
  readonly eventStore: PostgresEventStore;
  /** Closes the event store, its pool and the data source (stop runners first). */
  close(): Promise<void>;
}

export interface ConnectReadModelsOptions {
  poolSize?: number;
  /** Run the event-store and read-model migrations first; default true. */
  migrate?: boolean;
}

/** Connects to `url` the way a worker replica does: a TypeORM data source for the read side, a pg pool for the event store. */
export async function connectReadModels(url: string, options: ConnectReadModelsOptions = {}): Promise<ReadModelsConnection> {
  const poolSize = options.poolSize ?? 8;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: [...eventStoreMigrations, ...readModelMigrations],
    migrationsTableName: 'schema_migrations',
    entities: [],
    extra: { max: poolSize },
    logging: false,
  });
  await dataSource.initialize();
  if (options.migrate ?? true) await dataSource.runMigrations({ transaction: 'each' });
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const eventStore = new PostgresEventStore(pool, { pollIntervalMs: 50, retryBackoff: { initialMs: 20, maxMs: 200 } });
  return {
    dataSource,
    pool,
    eventStore,
    async close() {
      await eventStore.close();
      await pool.end();
      await dataSource.destroy();
    },
  };
}
