import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Compensation links on `mutations` (issue 6): the mutation a compensation undoes, the one that
 * undid a compensated mutation, and the batch and step a mutation belongs to.
 */
export const COMPENSATION_SCHEMA_SQL = [
  `ALTER TABLE mutations
     ADD COLUMN IF NOT EXISTS compensates uuid,
     ADD COLUMN IF NOT EXISTS compensated_by uuid,
     ADD COLUMN IF NOT EXISTS batch_id uuid,
     ADD COLUMN IF NOT EXISTS batch_step integer`,
  `CREATE INDEX IF NOT EXISTS mutations_compensates_idx ON mutations (compensates) WHERE compensates IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS mutations_batch_idx ON mutations (batch_id, batch_step) WHERE batch_id IS NOT NULL`,
];

export class CompensationSchema1763800700000 implements MigrationInterface {
  name = 'CompensationSchema1763800700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of COMPENSATION_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE mutations DROP COLUMN IF EXISTS compensates, DROP COLUMN IF EXISTS compensated_by, DROP COLUMN IF EXISTS batch_id, DROP COLUMN IF EXISTS batch_step');
  }
}
