import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `side_effects` (issue 6): the delivery queue of the outbox. Side effects are recorded on the
 * MutationApplied event that emitted them (same append as the change); the side_effects
 * projection inserts one row per delivery id, and the worker delivers them. Delivery columns
 * belong to the worker, so a rebuild never resets them (the projection only inserts new ids).
 */
export const SIDE_EFFECTS_SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS side_effects (
     delivery_id uuid PRIMARY KEY,
     type text NOT NULL,
     data jsonb NOT NULL,
     mutation_id uuid NOT NULL,
     state_type text NOT NULL,
     state_id text NOT NULL,
     compensates uuid,
     emitted_at timestamptz NOT NULL,
     position bigint NOT NULL,
     status text NOT NULL DEFAULT 'pending',
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz NOT NULL,
     leased_until timestamptz,
     last_error text,
     last_status integer,
     delivered_at timestamptz,
     dead_at timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS side_effects_due_idx ON side_effects (next_attempt_at) WHERE status = 'pending'`,
  `CREATE INDEX IF NOT EXISTS side_effects_status_idx ON side_effects (status, emitted_at DESC, delivery_id DESC)`,
  `CREATE INDEX IF NOT EXISTS side_effects_mutation_idx ON side_effects (mutation_id)`,
];

export class SideEffectsSchema1763800720000 implements MigrationInterface {
  name = 'SideEffectsSchema1763800720000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of SIDE_EFFECTS_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS side_effects');
  }
}
