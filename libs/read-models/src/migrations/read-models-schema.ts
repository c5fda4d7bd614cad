import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ApprovalsSchema1763800200000 } from './approvals-schema.js';
import { ProtocolSchema1763800300000 } from './protocol-schema.js';
import { AuditQueriesSchema1763800500000 } from './audit-queries-schema.js';
import { RiskRollupsSchema1763800600000 } from './risk-rollups-schema.js';
import { QueryIndexesSchema1763800900000 } from './query-indexes-schema.js';
import { TransitionIndexSchema1765000000000 } from './transition-index-schema.js';
import { CompensationSchema1763800700000 } from './compensation-schema.js';
import { BatchesSchema1763800710000 } from './batches-schema.js';
import { SideEffectsSchema1763800720000 } from './side-effects-schema.js';

/**
 * The read-model tables. Their shape is a public contract for dashboards and BI tools:
 * docs/read-models.md describes every column and index; change both together.
 */
export const READ_MODELS_SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS projection_checkpoints (
     projection text PRIMARY KEY,
     position bigint NOT NULL DEFAULT 0,
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS mutations (
     mutation_id uuid PRIMARY KEY,
     state_type text NOT NULL,
     state_id text NOT NULL,
     transition text NOT NULL,
     status text NOT NULL,
     actor_id text NOT NULL,
     actor_kind text NOT NULL,
     actor_roles text[] NOT NULL DEFAULT '{}',
     reason text,
     category text NOT NULL,
     risk_level text NOT NULL,
     side_effect_severity text NOT NULL,
     tags text[] NOT NULL DEFAULT '{}',
     metadata jsonb NOT NULL DEFAULT '{}',
     estimated_blast_radius integer NOT NULL,
     payload jsonb NOT NULL,
     evaluation jsonb NOT NULL,
     requirements jsonb,
     denial jsonb,
     diff jsonb,
     plan_hash text NOT NULL,
     base_version integer NOT NULL,
     expected_version integer,
     state_version integer,
     idempotency_key text,
     depends_on uuid[] NOT NULL DEFAULT '{}',
     not_before timestamptz,
     requested_at timestamptz NOT NULL,
     expires_at timestamptz,
     applied_at timestamptz,
     finished_at timestamptz,
     requested_position bigint NOT NULL,
     position bigint NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS mutations_requested_at_idx ON mutations (requested_at DESC, mutation_id DESC)`,
  `CREATE INDEX IF NOT EXISTS mutations_actor_idx ON mutations (actor_id, requested_at DESC)`,
  `CREATE INDEX IF NOT EXISTS mutations_state_idx ON mutations (state_type, state_id, requested_at DESC)`,
  `CREATE INDEX IF NOT EXISTS mutations_status_idx ON mutations (status, requested_at DESC)`,
  `CREATE INDEX IF NOT EXISTS mutations_risk_idx ON mutations (risk_level, requested_at DESC)`,
  `CREATE INDEX IF NOT EXISTS mutations_tags_idx ON mutations USING gin (tags)`,
  `CREATE TABLE IF NOT EXISTS mutation_timeline (
     mutation_id uuid NOT NULL,
     position bigint NOT NULL,
     event_type text NOT NULL,
     occurred_at timestamptz NOT NULL,
     data jsonb NOT NULL,
     PRIMARY KEY (mutation_id, position)
   )`,
  `CREATE TABLE IF NOT EXISTS states (
     state_type text NOT NULL,
     state_id text NOT NULL,
     document jsonb NOT NULL,
     version integer NOT NULL,
     last_mutation_id uuid NOT NULL,
     updated_at timestamptz NOT NULL,
     position bigint NOT NULL,
     PRIMARY KEY (state_type, state_id)
   )`,
  `CREATE TABLE IF NOT EXISTS state_history (
     state_type text NOT NULL,
     state_id text NOT NULL,
     version integer NOT NULL,
     mutation_id uuid NOT NULL,
     transition text NOT NULL,
     diff jsonb NOT NULL,
     actor_id text NOT NULL,
     actor_kind text NOT NULL,
     applied_at timestamptz NOT NULL,
     position bigint NOT NULL,
     PRIMARY KEY (state_type, state_id, version)
   )`,
];

export class ReadModelsSchema1763800100000 implements MigrationInterface {
  name = 'ReadModelsSchema1763800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of READ_MODELS_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS state_history, states, mutation_timeline, mutations, projection_checkpoints');
  }
}

export const readModelMigrations = [
  ReadModelsSchema1763800100000,
  ApprovalsSchema1763800200000,
  ProtocolSchema1763800300000,
  AuditQueriesSchema1763800500000,
  RiskRollupsSchema1763800600000,
  CompensationSchema1763800700000,
  BatchesSchema1763800710000,
  SideEffectsSchema1763800720000,
  QueryIndexesSchema1763800900000,
  TransitionIndexSchema1765000000000,
];
