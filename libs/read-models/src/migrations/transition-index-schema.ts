import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `transition=` had no index: a rare transition made the list walk the recent-activity index
 * through most of the table (p95 1.3 s at a million mutations, docs/benchmarks.md). This index
 * answers it in list order, id tie-break included, so a page is one range scan.
 */
export class TransitionIndexSchema1765000000000 implements MigrationInterface {
  name = 'TransitionIndexSchema1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX IF NOT EXISTS mutations_transition_idx ON mutations (transition, requested_at DESC, mutation_id DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS mutations_transition_idx');
  }
}
