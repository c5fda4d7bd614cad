import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EVENT_STORE_SCHEMA_DOWN, EVENT_STORE_SCHEMA_UP } from './event-store.schema.js';

/** Event store tables and the append function; safe to run on a database that already has them. */
export class EventStoreSchema1763800000000 implements MigrationInterface {
  name = 'EventStoreSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of EVENT_STORE_SCHEMA_UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of EVENT_STORE_SCHEMA_DOWN) await queryRunner.query(statement);
  }
}

/** Migrations of the PostgreSQL event store, to list in a TypeORM DataSource. */
export const eventStoreMigrations = [EventStoreSchema1763800000000];
