import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the audit filters of GET /v1/mutations (issue 5); each is justified in
 * docs/read-models.md. Expression and operator-class choices must match the queries exactly
 * (REASON_SEARCH, `metadata @> …`).
 */
export const AUDIT_QUERIES_SCHEMA_SQL = [
  // metadata.<key>=<value>: containment on a GIN index; jsonb_path_ops is smaller and faster for @>.
  `CREATE INDEX IF NOT EXISTS mutations_metadata_idx ON mutations USING gin (metadata jsonb_path_ops)`,
  // q: whole-word search in the reason.
  `CREATE INDEX IF NOT EXISTS mutations_reason_search_idx ON mutations USING gin (to_tsvector('simple', coalesce(reason, '')))`,
  // timeField=applied with from/to.
  `CREATE INDEX IF NOT EXISTS mutations_applied_at_idx ON mutations (applied_at DESC) WHERE applied_at IS NOT NULL`,
  // blastRadiusMin/Max: a range on the radius, newest first within it.
  `CREATE INDEX IF NOT EXISTS mutations_blast_radius_idx ON mutations (estimated_blast_radius, requested_at DESC)`,
  // Dashboards (Grafana, Metabase) chart these views directly; docs/read-models.md documents them.
  `CREATE OR REPLACE VIEW risk_daily AS
     SELECT date_trunc('day', requested_at) AS day, risk_level, category, count(*)::bigint AS mutations,
            count(*) FILTER (WHERE status = 'applied')::bigint AS applied,
            count(*) FILTER (WHERE status = 'denied')::bigint AS denied,
            sum(estimated_blast_radius)::bigint AS blast_radius
     FROM mutations GROUP BY 1, 2, 3`,
  `CREATE OR REPLACE VIEW risk_actor_daily AS
     SELECT date_trunc('day', requested_at) AS day, actor_id, actor_kind, count(*)::bigint AS mutations,
            count(*) FILTER (WHERE risk_level IN ('high', 'critical'))::bigint AS high_or_critical,
            sum(estimated_blast_radius)::bigint AS blast_radius
     FROM mutations GROUP BY 1, 2, 3`,
  `CREATE OR REPLACE VIEW risk_state_daily AS
     SELECT date_trunc('day', requested_at) AS day, state_type, state_id, count(*)::bigint AS mutations,
            count(*) FILTER (WHERE risk_level IN ('high', 'critical'))::bigint AS high_or_critical,
            sum(estimated_blast_radius)::bigint AS blast_radius
     FROM mutations GROUP BY 1, 2, 3`,
  `CREATE OR REPLACE VIEW approval_speed AS
     SELECT decided_at, approver_id, approver_kind, role, step, decision, state_type, transition,
            decided_at - requested_at AS wait, extract(epoch FROM decided_at - requested_at)::double precision AS wait_seconds, mutation_id
     FROM approval_decisions`,
  // Poison events: an event a projection keeps failing on is parked here and skipped, visible and retryable.
  `CREATE TABLE IF NOT EXISTS parked_events (
     projection text NOT NULL,
     position bigint NOT NULL,
     event_id uuid NOT NULL,
     stream_name text NOT NULL,
     event_type text NOT NULL,
     error text NOT NULL,
     attempts integer NOT NULL DEFAULT 1,
     parked_at timestamptz NOT NULL DEFAULT now(),
     last_attempt_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (projection, position)
   )`,
];

export class AuditQueriesSchema1763800500000 implements MigrationInterface {
  name = 'AuditQueriesSchema1763800500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of AUDIT_QUERIES_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP VIEW IF EXISTS risk_daily, risk_actor_daily, risk_state_daily, approval_speed');
    await queryRunner.query('DROP TABLE IF EXISTS parked_events');
    await queryRunner.query(
      'DROP INDEX IF EXISTS mutations_metadata_idx, mutations_reason_search_idx, mutations_applied_at_idx, mutations_blast_radius_idx',
    );
  }
}
