import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `batches` (issue 6): one row per batch, kept by the batches projection from the batch streams.
 * The worker resumes unfinished sagas from it (`attempts`, `last_error`, `retry_at` are the
 * worker's) and expires pending batches.
 */
export const BATCHES_SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS batches (
     batch_id uuid PRIMARY KEY,
     mode text NOT NULL,
     status text NOT NULL,
     actor_id text NOT NULL,
     actor_kind text NOT NULL,
     reason text,
     revert_of uuid,
     step_count integer NOT NULL,
     steps jsonb NOT NULL,
     requirements jsonb NOT NULL DEFAULT '[]',
     approvals jsonb NOT NULL DEFAULT '[]',
     current_step_role text,
     expires_at timestamptz,
     denial jsonb,
     failed_step integer,
     compensation_failure jsonb,
     alerts integer NOT NULL DEFAULT 0,
     requested_at timestamptz NOT NULL,
     finished_at timestamptz,
     updated_at timestamptz NOT NULL,
     position bigint NOT NULL,
     saga jsonb NOT NULL,
     attempts integer NOT NULL DEFAULT 0,
     last_error text,
     retry_at timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS batches_requested_at_idx ON batches (requested_at DESC, batch_id DESC)`,
  `CREATE INDEX IF NOT EXISTS batches_status_idx ON batches (status, requested_at DESC)`,
  `CREATE INDEX IF NOT EXISTS batches_unfinished_idx ON batches (updated_at) WHERE status IN ('running', 'compensating', 'pending')`,
];

export class BatchesSchema1763800710000 implements MigrationInterface {
  name = 'BatchesSchema1763800710000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of BATCHES_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS batches');
  }
}
