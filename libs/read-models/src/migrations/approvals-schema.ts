import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Approval progress on `mutations`, the `approval_decisions` table and durable `timers` (issue 3). */
export const APPROVALS_SCHEMA_SQL = [
  `ALTER TABLE mutations
     ADD COLUMN IF NOT EXISTS approvals jsonb NOT NULL DEFAULT '[]',
     ADD COLUMN IF NOT EXISTS approved_by text[] NOT NULL DEFAULT '{}',
     ADD COLUMN IF NOT EXISTS current_step integer,
     ADD COLUMN IF NOT EXISTS current_step_role text,
     ADD COLUMN IF NOT EXISTS passed_checks text[] NOT NULL DEFAULT '{}',
     ADD COLUMN IF NOT EXISTS schedule_reached boolean NOT NULL DEFAULT false,
     ADD COLUMN IF NOT EXISTS outcome jsonb`,
  `CREATE INDEX IF NOT EXISTS mutations_pending_role_idx ON mutations (current_step_role, expires_at) WHERE status = 'pending'`,
  `CREATE TABLE IF NOT EXISTS approval_decisions (
     mutation_id uuid NOT NULL,
     position bigint NOT NULL,
     state_type text NOT NULL,
     state_id text NOT NULL,
     transition text NOT NULL,
     requested_by text NOT NULL,
     requested_at timestamptz NOT NULL,
     approver_id text NOT NULL,
     approver_kind text NOT NULL,
     step integer NOT NULL,
     role text NOT NULL,
     decision text NOT NULL,
     comment text,
     decided_at timestamptz NOT NULL,
     PRIMARY KEY (mutation_id, position)
   )`,
  `CREATE INDEX IF NOT EXISTS approval_decisions_decided_at_idx ON approval_decisions (decided_at DESC)`,
  `CREATE INDEX IF NOT EXISTS approval_decisions_approver_idx ON approval_decisions (approver_id, decided_at DESC)`,
  `CREATE TABLE IF NOT EXISTS timers (
     mutation_id uuid NOT NULL,
     kind text NOT NULL,
     state_type text NOT NULL,
     state_id text NOT NULL,
     due_at timestamptz NOT NULL,
     fired_at timestamptz,
     attempts integer NOT NULL DEFAULT 0,
     last_error text,
     PRIMARY KEY (mutation_id, kind)
   )`,
  `CREATE INDEX IF NOT EXISTS timers_due_idx ON timers (due_at) WHERE fired_at IS NULL`,
];

export class ApprovalsSchema1763800200000 implements MigrationInterface {
  name = 'ApprovalsSchema1763800200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of APPROVALS_SCHEMA_SQL) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS timers, approval_decisions');
    await queryRunner.query(
      `ALTER TABLE mutations DROP COLUMN IF EXISTS approvals, DROP COLUMN IF EXISTS approved_by, DROP COLUMN IF EXISTS current_step,
       DROP COLUMN IF EXISTS current_step_role, DROP COLUMN IF EXISTS passed_checks, DROP COLUMN IF EXISTS schedule_reached, DROP COLUMN IF EXISTS outcome`,
    );
  }
}
