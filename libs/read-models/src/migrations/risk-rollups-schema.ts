import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily rollups kept by the mutations projection (projections/risk-rollups.ts), so the risk
 * report and the risk views read a few rows per day instead of every mutation in the window.
 * Existing rows are rolled up here once; the risk views are redefined over the rollups with the
 * same columns (days are UTC midnights).
 */
export const RISK_ROLLUPS_SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS risk_rollup_daily (
     day timestamptz NOT NULL,
     risk_level text NOT NULL,
     category text NOT NULL,
     status text NOT NULL,
     mutations bigint NOT NULL,
     blast_radius bigint NOT NULL,
     PRIMARY KEY (day, risk_level, category, status)
   )`,
  `CREATE TABLE IF NOT EXISTS risk_rollup_actor_daily (
     day timestamptz NOT NULL,
     actor_id text NOT NULL,
     actor_kind text NOT NULL,
     mutations bigint NOT NULL,
     high_or_critical bigint NOT NULL,
     blast_radius bigint NOT NULL,
     PRIMARY KEY (day, actor_id, actor_kind)
   )`,
  `CREATE TABLE IF NOT EXISTS risk_rollup_state_daily (
     day timestamptz NOT NULL,
     state_type text NOT NULL,
     state_id text NOT NULL,
     mutations bigint NOT NULL,
     high_or_critical bigint NOT NULL,
     blast_radius bigint NOT NULL,
     PRIMARY KEY (day, state_type, state_id)
   )`,
  `INSERT INTO risk_rollup_daily (day, risk_level, category, status, mutations, blast_radius)
     SELECT date_trunc('day', requested_at, 'UTC'), risk_level, category, status, count(*), coalesce(sum(estimated_blast_radius), 0)
     FROM mutations GROUP BY 1, 2, 3, 4
   ON CONFLICT DO NOTHING`,
  `INSERT INTO risk_rollup_actor_daily (day, actor_id, actor_kind, mutations, high_or_critical, blast_radius)
     SELECT date_trunc('day', requested_at, 'UTC'), actor_id, actor_kind, count(*), count(*) FILTER (WHERE risk_level IN ('high', 'critical')),
            coalesce(sum(estimated_blast_radius), 0)
     FROM mutations GROUP BY 1, 2, 3
   ON CONFLICT DO NOTHING`,
  `INSERT INTO risk_rollup_state_daily (day, state_type, state_id, mutations, high_or_critical, blast_radius)
     SELECT date_trunc('day', requested_at, 'UTC'), state_type, state_id, count(*), count(*) FILTER (WHERE risk_level IN ('high', 'critical')),
            coalesce(sum(estimated_blast_radius), 0)
     FROM mutations GROUP BY 1, 2, 3
   ON CONFLICT DO NOTHING`,
  // The recent-activity index also carries what the risk report reads of the rows at a window's
  // partial edge days, so those are index-only scans (docs/read-models.md).
  `DROP INDEX IF EXISTS mutations_requested_at_idx`,
  `CREATE INDEX mutations_requested_at_idx ON mutations (requested_at DESC, mutation_id DESC)
     INCLUDE (risk_level, category, status, actor_id, actor_kind, state_type, state_id, estimated_blast_radius)`,
  `CREATE OR REPLACE VIEW risk_daily AS
     SELECT day, risk_level, category, sum(mutations)::bigint AS mutations,
            coalesce(sum(mutations) FILTER (WHERE status = 'applied'), 0)::bigint AS applied,
            coalesce(sum(mutations) FILTER (WHERE status = 'denied'), 0)::bigint AS denied,
            sum(blast_radius)::bigint AS blast_radius
     FROM risk_rollup_daily GROUP BY 1, 2, 3`,
  `CREATE OR REPLACE VIEW risk_actor_daily AS
     SELECT day, actor_id, actor_kind, mutations, high_or_critical, blast_radius FROM risk_rollup_actor_daily`,
  `CREATE OR REPLACE VIEW risk_state_daily AS
     SELECT day, state_type, state_id, mutations, high_or_critical, blast_radius FROM risk_rollup_state_daily`,
];

export class RiskRollupsSchema1763800600000 implements MigrationInterface {
  name = 'RiskRollupsSchema1763800600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of RISK_ROLLUPS_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to the views that aggregate `mutations` on read (AuditQueriesSchema1763800500000).
    await queryRunner.query('DROP VIEW IF EXISTS risk_daily, risk_actor_daily, risk_state_daily');
    await queryRunner.query(
      `CREATE VIEW risk_daily AS
         SELECT date_trunc('day', requested_at) AS day, risk_level, category, count(*)::bigint AS mutations,
                count(*) FILTER (WHERE status = 'applied')::bigint AS applied, count(*) FILTER (WHERE status = 'denied')::bigint AS denied,
                sum(estimated_blast_radius)::bigint AS blast_radius
         FROM mutations GROUP BY 1, 2, 3`,
    );
    for (const [view, keys] of [
      ['risk_actor_daily', 'actor_id, actor_kind'],
      ['risk_state_daily', 'state_type, state_id'],
    ] as const) {
      await queryRunner.query(
        `CREATE VIEW ${view} AS
           SELECT date_trunc('day', requested_at) AS day, ${keys}, count(*)::bigint AS mutations,
                  count(*) FILTER (WHERE risk_level IN ('high', 'critical'))::bigint AS high_or_critical, sum(estimated_blast_radius)::bigint AS blast_radius
           FROM mutations GROUP BY 1, 2, 3`,
      );
    }
    await queryRunner.query('DROP TABLE IF EXISTS risk_rollup_daily, risk_rollup_actor_daily, risk_rollup_state_daily');
    await queryRunner.query('DROP INDEX IF EXISTS mutations_requested_at_idx');
    await queryRunner.query('CREATE INDEX mutations_requested_at_idx ON mutations (requested_at DESC, mutation_id DESC)');
  }
}
