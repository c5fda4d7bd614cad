import { EVENT_STORE, PostgresEventStore, type EventStore } from '@countersign/event-store';
import { BatchQueries, ParkedEvents, PostgresReadModelQueries, ReadModelQueries, SideEffectQueries, allProjections } from '@countersign/read-models';
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from './migrations.js';

export const EVENT_STORE_POOL = Symbol('EVENT_STORE_POOL');

@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(EVENT_STORE_POOL) private readonly pool: pg.Pool,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.eventStore.close();
    await this.pool.end();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * PostgreSQL for the read models (TypeORM) and, unless `eventStore` is given (EventStoreDB, see
 * openEventStore), for the event store (pg pool); schema migrated at start.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: { url: string; poolSize: number; eventStore?: EventStore }): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        { provide: DataSource, useFactory: () => createDataSource(options.url, options.poolSize) },
        {
          provide: EVENT_STORE_POOL,
          // The data source must exist first: it runs the migrations that create the event-store tables.
          inject: [DataSource],
          useFactory: () => {
            const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize });
            pool.on('error', () => undefined); // an idle client dropped by the server is replaced on next use
            return pool;
          },
        },
        {
          provide: EVENT_STORE,
          inject: [EVENT_STORE_POOL],
          useFactory: (pool: pg.Pool) => options.eventStore ?? new PostgresEventStore(pool),
        },
        { provide: ReadModelQueries, inject: [DataSource], useFactory: (dataSource: DataSource): ReadModelQueries => new PostgresReadModelQueries(dataSource) },
        { provide: BatchQueries, inject: [DataSource], useFactory: (dataSource: DataSource) => new BatchQueries(dataSource) },
        { provide: SideEffectQueries, inject: [DataSource], useFactory: (dataSource: DataSource) => new SideEffectQueries(dataSource) },
        {
          provide: ParkedEvents,
          inject: [DataSource, EVENT_STORE],
          useFactory: (dataSource: DataSource, eventStore: EventStore) => new ParkedEvents(dataSource, eventStore, allProjections),
        },
        DatabaseShutdown,
      ],
      exports: [DataSource, EVENT_STORE, EVENT_STORE_POOL, ReadModelQueries, BatchQueries, SideEffectQueries, ParkedEvents],
    };
  }
}
