import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys (ADR 0006): write-side state, not a read model, so never rebuilt. One row per
 * (principal, key) until `expires_at`; `lease_until` bounds how long an in-flight owner holds it.
 * The answer is kept as the JSON text that was sent (not jsonb, which would reorder its keys), so a
 * replay is byte for byte the first answer.
 */
export const IDEMPOTENCY_SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
     principal_id text NOT NULL,
     key text NOT NULL,
     fingerprint text NOT NULL,
     mutation_id uuid NOT NULL,
     state text NOT NULL CHECK (state IN ('in_flight', 'done')),
     response_status integer,
     response_body text,
     created_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     lease_until timestamptz,
     PRIMARY KEY (principal_id, key)
   )`,
  `CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx ON idempotency_keys (expires_at)`,
];

export class IdempotencyKeys1763800400000 implements MigrationInterface {
  name = 'IdempotencyKeys1763800400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of IDEMPOTENCY_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS idempotency_keys');
  }
}
