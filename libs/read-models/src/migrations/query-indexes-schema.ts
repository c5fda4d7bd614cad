import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes found missing by bench:queries at a million mutations (docs/benchmarks.md):
 * `sideEffectSeverity` had none, and `timeField=applied` lists are ordered by applied time, so
 * their index carries the id tie-break of that order.
 */
export const QUERY_INDEXES_SCHEMA_SQL = [
  `CREATE INDEX IF NOT EXISTS mutations_side_effect_severity_idx ON mutations (side_effect_severity, requested_at DESC, mutation_id DESC)`,
  `DROP INDEX IF EXISTS mutations_applied_at_idx`,
  `CREATE INDEX mutations_applied_at_idx ON mutations (applied_at DESC, mutation_id DESC) WHERE applied_at IS NOT NULL`,
];

export class QueryIndexesSchema1763800900000 implements MigrationInterface {
  name = 'QueryIndexesSchema1763800900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of QUERY_INDEXES_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS mutations_side_effect_severity_idx, mutations_applied_at_idx');
    await queryRunner.query('CREATE INDEX mutations_applied_at_idx ON mutations (applied_at DESC) WHERE applied_at IS NOT NULL');
  }
}
