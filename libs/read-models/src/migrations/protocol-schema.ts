import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dependency saga's rendezvous (issue 4): one row per (dependent, dependency) while the
 * dependent is pending. The mutations projection fills `outcome` when the dependency reaches a
 * terminal status; the worker turns each filled row into a ResolveDependency command and marks
 * it `signalled_at`. Rows of ended dependents are removed.
 */
export const PROTOCOL_SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS mutation_dependencies (
     dependent_id uuid NOT NULL,
     dependency_id uuid NOT NULL,
     state_type text NOT NULL,
     state_id text NOT NULL,
     outcome text,
     signalled_at timestamptz,
     attempts integer NOT NULL DEFAULT 0,
     last_error text,
     retry_at timestamptz,
     PRIMARY KEY (dependent_id, dependency_id)
   )`,
  `CREATE INDEX IF NOT EXISTS mutation_dependencies_dependency_idx ON mutation_dependencies (dependency_id) WHERE outcome IS NULL`,
  `CREATE INDEX IF NOT EXISTS mutation_dependencies_ready_idx ON mutation_dependencies (dependent_id) WHERE outcome IS NOT NULL AND signalled_at IS NULL`,
];

export class ProtocolSchema1763800300000 implements MigrationInterface {
  name = 'ProtocolSchema1763800300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of PROTOCOL_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS mutation_dependencies');
  }
}
