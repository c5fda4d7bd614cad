import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  APPEND_BATCH_SCHEMA_DOWN,
  APPEND_BATCH_SCHEMA_UP,
  EVENT_STORE_SCHEMA_DOWN,
  EVENT_STORE_SCHEMA_UP,
} from './event-store.schema.js';

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

/**
 * countersign_append_batch, the group commit of ADR 0002; safe to run again. Its timestamp sorts
 * before the read-model migrations so a fresh database records the list in order; a database
 * migrated before it runs it as pending.
 */
export class EventStoreAppendBatch1763800050000 implements MigrationInterface {
  name = 'EventStoreAppendBatch1763800050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of APPEND_BATCH_SCHEMA_UP) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const statement of APPEND_BATCH_SCHEMA_DOWN) await queryRunner.query(statement);
  }
}

/** Migrations of the PostgreSQL event store, to list in a TypeORM DataSource. */
export const eventStoreMigrations = [EventStoreSchema1763800000000, EventStoreAppendBatch1763800050000];
