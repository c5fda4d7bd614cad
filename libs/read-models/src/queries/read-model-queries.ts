import type { DataSource } from 'typeorm';
import { ENVELOPE_LIMITS } from '@countersign/domain';
import { decodeCursor, encodeCursor, InvalidQueryError, isCursorInstant } from './cursor.js';
import {
  ReadModelQueries,
  type ApprovalDecisionFilters,
  type ApprovalDecisionRecord,
  type MutationFilters,
  type MutationRecord,
  type Page,
  type PageRequest,
  type PendingApproval,
  type RiskReport,
  type StateHistoryItem,
  type StateRecord,
  type TimelineEntry,
} from './read-model-queries.port.js';

type Row = Record<string, unknown>;

/** The text-search expression over `reason`; the index mutations_reason_search_idx is on exactly this. */
export const REASON_SEARCH = "to_tsvector('simple', coalesce(reason, ''))";

/** WHERE conditions and parameters for the mutation filters (shared by the list and the export). */
function mutationConditions(filters: MutationFilters): { where: string[]; parameters: unknown[] } {
  const where: string[] = [];
  const parameters: unknown[] = [];
  const add = (clause: (placeholder: string) => string, value: unknown) => {
    parameters.push(value);
    where.push(clause(`$${parameters.length}`));
  };
  if (filters.actor !== undefined) add((p) => `actor_id = ${p}`, filters.actor);
  if (filters.actorKind !== undefined) add((p) => `actor_kind = ${p}`, filters.actorKind);
  if (filters.stateType !== undefined) add((p) => `state_type = ${p}`, filters.stateType);
  if (filters.stateId !== undefined) add((p) => `state_id = ${p}`, filters.stateId);
  if (filters.transition !== undefined) add((p) => `transition = ${p}`, filters.transition);
  if (filters.status !== undefined) add((p) => `status = ${p}`, filters.status);
  if (filters.category !== undefined) add((p) => `category = ${p}`, filters.category);
  if (filters.riskLevel !== undefined) add((p) => `risk_level = ${p}`, filters.riskLevel);
  if (filters.sideEffectSeverity !== undefined) add((p) => `side_effect_severity = ${p}`, filters.sideEffectSeverity);
  if (filters.tag?.length) add((p) => `tags && ${p}::text[]`, filters.tag);
  if (filters.tags?.length) add((p) => `tags @> ${p}::text[]`, filters.tags);
  const timeColumn = sortColumn(filters);
  // timeField=applied lists applied mutations (compensated ones included: they applied too), by when they applied.
  if (filters.timeField === 'applied') where.push('applied_at IS NOT NULL');
  if (filters.from !== undefined) add((p) => `${timeColumn} >= ${p}`, filters.from);
  if (filters.to !== undefined) add((p) => `${timeColumn} < ${p}`, filters.to);
  for (const [key, value] of Object.entries(filters.metadata ?? {})) {
    // Containment (@>) uses the GIN index on metadata; each JSON reading of the text is a candidate.
    const candidates = metadataCandidates(value).map((candidate) => JSON.stringify({ [key]: candidate }));
    const placeholders = candidates.map((candidate) => {
      parameters.push(candidate);
      return `metadata @> $${parameters.length}::jsonb`;
    });
    where.push(`(${placeholders.join(' OR ')})`);
  }
  if (filters.blastRadiusMin !== undefined) add((p) => `estimated_blast_radius >= ${p}`, filters.blastRadiusMin);
  if (filters.blastRadiusMax !== undefined) add((p) => `estimated_blast_radius <= ${p}`, filters.blastRadiusMax);
  if (filters.q !== undefined && filters.q.trim() !== '') add((p) => `${REASON_SEARCH} @@ websearch_to_tsquery('simple', ${p})`, filters.q);
  return { where, parameters };
}

/** The time a list is ordered by, and `from`/`to` apply to. */
function sortColumn(filters: MutationFilters): 'applied_at' | 'requested_at' {
  return filters.timeField === 'applied' ? 'applied_at' : 'requested_at';
}

/** The cursor of a page ending at `row`; a cursor of the applied-time order says so, so the two never mix. */
function mutationCursor(filters: MutationFilters, row: { time: string; mutationId: string }): string {
  return encodeCursor(filters.timeField === 'applied' ? ['applied', row.time, row.mutationId] : [row.time, row.mutationId]);
}

function decodeMutationCursor(filters: MutationFilters, cursor: string): [string, string] {
  const applied = filters.timeField === 'applied';
  const key = decodeCursor(cursor, applied ? ['string', 'string', 'string'] : ['string', 'string']) as string[];
  const [time, mutationId] = applied ? key.slice(1) : key;
  // A tampered cursor must be a 400, not a failed cast in SQL.
  if ((applied && key[0] !== 'applied') || !isCursorInstant(time as string) || !UUID.test(mutationId as string)) {
    throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
  }
  return [time as string, mutationId as string];
}

/** A metadata filter value as text, and as the number, boolean or null it may spell. */
function metadataCandidates(value: string): unknown[] {
  const candidates: unknown[] = [value];
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(value)) candidates.push(Number(value));
  if (value === 'true' || value === 'false') candidates.push(value === 'true');
  if (value === 'null') candidates.push(null);
  return candidates;
}

const DAY_MS = 86_400_000;

/**
 * The whole UTC days inside [from, to), as [fullFrom, fullTo); when there are none, both are `to`
 * (so the rollups contribute nothing and the edge [from, to) covers the window).
 */
export function wholeDays(from: string, to: string): { fullFrom: string; fullTo: string } {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const fullFrom = Math.ceil(start / DAY_MS) * DAY_MS;
  const fullTo = Math.floor(end / DAY_MS) * DAY_MS;
  if (!(fullFrom < fullTo)) return { fullFrom: new Date(end).toISOString(), fullTo: new Date(end).toISOString() };
  return { fullFrom: new Date(fullFrom).toISOString(), fullTo: new Date(fullTo).toISOString() };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The query port answered with plain SQL over the PostgreSQL read models (no domain involved). */
export class PostgresReadModelQueries extends ReadModelQueries {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async getMutation(mutationId: string): Promise<(MutationRecord & { timeline: TimelineEntry[] }) | null> {
    const rows = (await this.dataSource.query('SELECT * FROM mutations WHERE mutation_id = $1', [mutationId])) as Row[];
    if (!rows[0]) return null;
    const timeline = (await this.dataSource.query(
      'SELECT event_type, occurred_at, position, data FROM mutation_timeline WHERE mutation_id = $1 ORDER BY position',
      [mutationId],
    )) as Row[];
    return {
      ...toMutationRecord(rows[0]),
      timeline: timeline.map((row) => ({ type: String(row.event_type), at: iso(row.occurred_at) as string, position: Number(row.position), data: row.data as Record<string, unknown> })),
    };
  }

  /** Newest first, by (requested_at or, for timeField=applied, applied_at; then mutation_id); the cursor makes pages stable while rows are added. */
  async listMutations(filters: MutationFilters, page: PageRequest): Promise<Page<MutationRecord>> {
    const { where, parameters } = mutationConditions(filters);
    const column = sortColumn(filters);
    if (page.cursor !== undefined) {
      const [time, mutationId] = decodeMutationCursor(filters, page.cursor);
      parameters.push(time, mutationId);
      where.push(`(${column}, mutation_id) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::uuid)`);
    }
    parameters.push(page.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT * FROM mutations ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${column} DESC, mutation_id DESC LIMIT $${parameters.length}`,
      parameters,
    )) as Row[];
    const items = rows.slice(0, page.limit).map(toMutationRecord);
    const last = items[items.length - 1];
    if (!(rows.length > page.limit && last)) return { items, nextCursor: null };
    return { items, nextCursor: mutationCursor(filters, { time: (column === 'applied_at' ? last.appliedAt : last.requestedAt) as string, mutationId: last.mutationId }) };
  }

  /**
   * Every mutation the filters select, in list order, read in keyset pages of `batchSize` so
   * memory stays flat however many match (the export).
   */
  async *streamMutations(filters: MutationFilters, batchSize = 1_000): AsyncGenerator<MutationRecord> {
    const column = sortColumn(filters);
    let after: [string, string] | undefined;
    for (;;) {
      const { where, parameters } = mutationConditions(filters);
      if (after) {
        parameters.push(after[0], after[1]);
        where.push(`(${column}, mutation_id) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::uuid)`);
      }
      parameters.push(batchSize);
      const rows = (await this.dataSource.query(
        `SELECT * FROM mutations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${column} DESC, mutation_id DESC LIMIT $${parameters.length}`,
        parameters,
      )) as Row[];
      for (const row of rows) yield toMutationRecord(row);
      const last = rows[rows.length - 1];
      if (rows.length < batchSize || !last) return;
      after = [(last[column] as Date).toISOString(), String(last.mutation_id)];
    }
  }

  async getState(stateType: string, stateId: string): Promise<StateRecord | null> {
    const rows = (await this.dataSource.query('SELECT * FROM states WHERE state_type = $1 AND state_id = $2', [stateType, stateId])) as Row[];
    const row = rows[0];
    if (!row) return null;
    return {
      stateType: String(row.state_type),
      stateId: String(row.state_id),
      state: row.document,
      version: Number(row.version),
      lastMutationId: String(row.last_mutation_id),
      updatedAt: iso(row.updated_at) as string,
      position: Number(row.position),
    };
  }

  /** Oldest version first; the cursor is the last version seen. Null when the state has no history: it does not exist. */
  async stateHistory(stateType: string, stateId: string, page: PageRequest): Promise<Page<StateHistoryItem> | null> {
    const after = page.cursor === undefined ? 0 : Number(decodeCursor(page.cursor, ['number'])[0]);
    // Versions are PostgreSQL integers: a cursor beyond one (or below the first page) is a forgery, not a page.
    if (after < 0 || after > ENVELOPE_LIMITS.maxVersion) throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
    const rows = (await this.dataSource.query(
      `SELECT * FROM state_history WHERE state_type = $1 AND state_id = $2 AND version > $3 ORDER BY version LIMIT $4`,
      [stateType, stateId, after, page.limit + 1],
    )) as Row[];
    // Existence is judged by this table alone, so a reader that waited for this projection sees a state it created.
    if (rows.length === 0 && (after === 0 || !(await this.hasHistory(stateType, stateId)))) return null;
    const items = rows.slice(0, page.limit).map((row) => ({
      version: Number(row.version),
      mutationId: String(row.mutation_id),
      transition: String(row.transition),
      diff: row.diff as unknown[],
      actor: { id: String(row.actor_id), kind: String(row.actor_kind) },
      appliedAt: iso(row.applied_at) as string,
      position: Number(row.position),
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.version]) : null };
  }

  private async hasHistory(stateType: string, stateId: string): Promise<boolean> {
    const rows = (await this.dataSource.query('SELECT 1 FROM state_history WHERE state_type = $1 AND state_id = $2 LIMIT 1', [stateType, stateId])) as Row[];
    return rows.length > 0;
  }

  /** Where a mutation lives (its lane) and its projected status. */
  async locateMutation(mutationId: string): Promise<{ stateType: string; stateId: string; status: string } | null> {
    const rows = (await this.dataSource.query('SELECT state_type, state_id, status FROM mutations WHERE mutation_id = $1', [mutationId])) as Row[];
    const row = rows[0];
    return row ? { stateType: String(row.state_type), stateId: String(row.state_id), status: String(row.status) } : null;
  }

  /** The risk report for requests in [from, to): totals, per day/level/category, top actors and states by high/critical. */
  async riskReport(from: string, to: string): Promise<RiskReport> {
    // Whole UTC days inside the window come from the daily rollups; the partial days at its edges
    // ([from, fullFrom) and [fullTo, to)) from the mutations themselves, through the requested_at index.
    const { fullFrom, fullTo } = wholeDays(from, to);
    const window = [from, fullFrom, fullTo, to];
    // Two plain ranges (not one OR) so each is an index-only scan of mutations_requested_at_idx,
    // whose INCLUDE columns are exactly what the report reads.
    const edges = (columns: string) =>
      `SELECT ${columns} FROM mutations WHERE requested_at >= $1 AND requested_at < $2
       UNION ALL SELECT ${columns} FROM mutations WHERE requested_at >= $3 AND requested_at < $4`;
    const days = "day >= $2 AND day < $3";
    const top = (rollup: string, keys: string) =>
      `SELECT ${keys}, sum(high_or_critical)::bigint AS high_or_critical, sum(mutations)::bigint AS mutations FROM (
         SELECT ${keys}, high_or_critical, mutations FROM ${rollup} WHERE ${days}
         UNION ALL
         ${edges(`${keys}, CASE WHEN risk_level IN ('high', 'critical') THEN 1 ELSE 0 END, 1`)}
       ) AS parts GROUP BY ${keys} HAVING sum(high_or_critical) > 0 ORDER BY 3 DESC, ${keys} LIMIT 10`;
    const [groups, byActor, byState] = await Promise.all([
      this.dataSource.query(
        // One pass, two groupings: per (day, risk level, category), and per status for the totals.
        `SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, risk_level, category, status, sum(mutations)::bigint AS mutations, sum(blast_radius)::bigint AS blast_radius FROM (
           SELECT day, risk_level, category, status, mutations, blast_radius FROM risk_rollup_daily WHERE ${days}
           UNION ALL
           ${edges("date_trunc('day', requested_at, 'UTC'), risk_level, category, status, 1, coalesce(estimated_blast_radius, 0)")}
         ) AS parts GROUP BY GROUPING SETS ((day, risk_level, category), (status)) ORDER BY 1, 2, 3, 4`,
        window,
      ) as Promise<Row[]>,
      this.dataSource.query(top('risk_rollup_actor_daily', 'actor_id, actor_kind'), window) as Promise<Row[]>,
      this.dataSource.query(top('risk_rollup_state_daily', 'state_type, state_id'), window) as Promise<Row[]>,
    ]);
    const dayRows: { day: string; riskLevel: string; category: string; mutations: number; blastRadius: number }[] = [];
    const byStatus: Record<string, number> = {};
    for (const row of groups) {
      if (row.status !== null) byStatus[String(row.status)] = Number(row.mutations);
      else dayRows.push({ day: String(row.day), riskLevel: String(row.risk_level), category: String(row.category), mutations: Number(row.mutations), blastRadius: Number(row.blast_radius) });
    }
    const sum = <T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number) =>
      items.reduce<Record<string, number>>((totals, item) => ({ ...totals, [key(item)]: (totals[key(item)] ?? 0) + value(item) }), {});
    const byCategoryKey = sum(dayRows, (day) => `${day.category}\u0000${day.riskLevel}`, (day) => day.mutations);
    const blastByCategoryKey = sum(dayRows, (day) => `${day.category}\u0000${day.riskLevel}`, (day) => day.blastRadius);
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      totals: {
        mutations: dayRows.reduce((total, day) => total + day.mutations, 0),
        blastRadius: dayRows.reduce((total, day) => total + day.blastRadius, 0),
        byRiskLevel: sum(dayRows, (day) => day.riskLevel, (day) => day.mutations),
        byStatus,
      },
      byDay: dayRows,
      byCategory: Object.keys(byCategoryKey)
        .sort()
        .map((key) => {
          const [category, riskLevel] = key.split('\u0000') as [string, string];
          return { category, riskLevel, mutations: byCategoryKey[key] as number, blastRadius: blastByCategoryKey[key] as number };
        }),
      topActors: byActor.map((row) => ({ actorId: String(row.actor_id), actorKind: String(row.actor_kind), highOrCritical: Number(row.high_or_critical), mutations: Number(row.mutations) })),
      topStates: byState.map((row) => ({ stateType: String(row.state_type), stateId: String(row.state_id), highOrCritical: Number(row.high_or_critical), mutations: Number(row.mutations) })),
    };
  }

  /** Approval decisions, most recent first (decided_at, then position), with cursor pagination. */
  async approvalDecisions(filters: ApprovalDecisionFilters, page: PageRequest): Promise<Page<ApprovalDecisionRecord>> {
    const where: string[] = [];
    const parameters: unknown[] = [];
    const add = (clause: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      where.push(clause(`$${parameters.length}`));
    };
    if (filters.approver !== undefined) add((p) => `approver_id = ${p}`, filters.approver);
    if (filters.role !== undefined) add((p) => `role = ${p}`, filters.role);
    if (filters.decision !== undefined) add((p) => `decision = ${p}`, filters.decision);
    if (filters.stateType !== undefined) add((p) => `state_type = ${p}`, filters.stateType);
    if (filters.from !== undefined) add((p) => `decided_at >= ${p}`, filters.from);
    if (filters.to !== undefined) add((p) => `decided_at < ${p}`, filters.to);
    if (page.cursor !== undefined) {
      const [decidedAt, position] = decodeCursor(page.cursor, ['string', 'number']) as [string, number];
      if (!isCursorInstant(decidedAt) || !Number.isSafeInteger(position)) throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
      parameters.push(decidedAt, position);
      where.push(`(decided_at, position) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::bigint)`);
    }
    parameters.push(page.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT * FROM approval_decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY decided_at DESC, position DESC LIMIT $${parameters.length}`,
      parameters,
    )) as Row[];
    const items = rows.slice(0, page.limit).map((row) => {
      const requestedAt = iso(row.requested_at) as string;
      const decidedAt = iso(row.decided_at) as string;
      return {
        mutationId: String(row.mutation_id),
        position: Number(row.position),
        stateType: String(row.state_type),
        stateId: String(row.state_id),
        transition: String(row.transition),
        requestedBy: String(row.requested_by),
        requestedAt,
        approver: { id: String(row.approver_id), kind: String(row.approver_kind) },
        step: Number(row.step),
        role: String(row.role),
        decision: row.decision as 'approve' | 'reject',
        comment: row.comment === null ? null : String(row.comment),
        decidedAt,
        waitMs: Date.parse(decidedAt) - Date.parse(requestedAt),
      };
    });
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.decidedAt, last.position]) : null };
  }

  /** The projected status of each of these mutations; ids that are not known are left out. */
  async mutationStatuses(mutationIds: readonly string[]): Promise<Record<string, string>> {
    if (mutationIds.length === 0) return {};
    const rows = (await this.dataSource.query('SELECT mutation_id, status FROM mutations WHERE mutation_id = ANY($1::uuid[])', [mutationIds])) as Row[];
    return Object.fromEntries(rows.map((row) => [String(row.mutation_id), String(row.status)]));
  }

  /**
   * Pending mutations the principal may approve now: the current step's role is one of theirs,
   * they did not request it and have not approved it yet, and it has not expired (its expiry
   * timer may not have fired yet, but an approval would be refused). Most urgent (earliest
   * expiry) first.
   */
  async pendingApprovals(principal: { id: string; roles: readonly string[] }, page: PageRequest, now: Date): Promise<Page<PendingApproval>> {
    const parameters: unknown[] = [principal.roles, principal.id, now.toISOString()];
    let after = '';
    if (page.cursor !== undefined) {
      const [expiresAt, mutationId] = decodeCursor(page.cursor, ['string', 'string']) as [string, string];
      // A tampered cursor must be a 400, not a failed cast in SQL.
      if (!isCursorInstant(expiresAt) || !UUID.test(mutationId)) throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
      parameters.push(expiresAt, mutationId);
      after = `AND (expires_at, mutation_id) > ($4::timestamptz, $5::uuid)`;
    }
    parameters.push(page.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT * FROM mutations
       WHERE status = 'pending' AND expires_at > $3::timestamptz AND current_step_role = ANY($1::text[]) AND actor_id <> $2 AND NOT ($2 = ANY(approved_by)) ${after}
       ORDER BY expires_at, mutation_id LIMIT $${parameters.length}`,
      parameters,
    )) as Row[];
    const items = rows.slice(0, page.limit).map((row) => {
      const expiresAt = iso(row.expires_at) as string;
      return {
        mutationId: String(row.mutation_id),
        stateType: String(row.state_type),
        stateId: String(row.state_id),
        transition: String(row.transition),
        requestedBy: { id: String(row.actor_id), kind: String(row.actor_kind) },
        reason: (row.reason as string | null) ?? null,
        riskLevel: String(row.risk_level),
        category: String(row.category),
        tags: row.tags as string[],
        payload: row.payload,
        diff: (row.diff as unknown[] | null) ?? null,
        requirements: (row.requirements as unknown[] | null) ?? [],
        currentStep: { index: Number(row.current_step), role: String(row.current_step_role) },
        approvals: (row.approvals as PendingApproval['approvals']) ?? [],
        requestedAt: iso(row.requested_at) as string,
        expiresAt,
        timeLeftMs: Math.max(0, Date.parse(expiresAt) - now.getTime()),
      };
    });
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.expiresAt, last.mutationId]) : null };
  }

  async checkpoints(): Promise<{ projection: string; position: number; updatedAt: string }[]> {
    const rows = (await this.dataSource.query('SELECT projection, position, updated_at FROM projection_checkpoints ORDER BY projection')) as Row[];
    return rows.map((row) => ({ projection: String(row.projection), position: Number(row.position), updatedAt: iso(row.updated_at) as string }));
  }

  /**
   * Read-your-writes: waits until every named projection's checkpoint reaches `position`.
   * Works across processes because it reads the checkpoints table.
   */
  async waitForPosition(projections: readonly string[], position: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const rows = (await this.dataSource.query(
        'SELECT count(*)::int AS reached FROM projection_checkpoints WHERE projection = ANY($1) AND position >= $2',
        [projections, position],
      )) as { reached: number }[];
      if ((rows[0]?.reached ?? 0) >= projections.length) return true;
      if (Date.now() + pause > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function toMutationRecord(row: Row): MutationRecord {
  return {
    mutationId: String(row.mutation_id),
    stateType: String(row.state_type),
    stateId: String(row.state_id),
    transition: String(row.transition),
    status: String(row.status),
    actor: { id: String(row.actor_id), kind: String(row.actor_kind), roles: row.actor_roles as string[] },
    reason: (row.reason as string | null) ?? null,
    category: String(row.category),
    riskLevel: String(row.risk_level),
    sideEffectSeverity: String(row.side_effect_severity),
    tags: row.tags as string[],
    metadata: row.metadata as Record<string, unknown>,
    estimatedBlastRadius: Number(row.estimated_blast_radius),
    payload: row.payload,
    evaluation: row.evaluation,
    requirements: (row.requirements as unknown[] | null) ?? null,
    denial: row.denial ?? null,
    diff: (row.diff as unknown[] | null) ?? null,
    // Empty while a mutation waits for its dependencies unplanned (and for a compensation that failed before it was planned).
    planHash: row.plan_hash ? String(row.plan_hash) : null,
    baseVersion: Number(row.base_version),
    expectedVersion: row.expected_version === null ? null : Number(row.expected_version),
    stateVersion: row.state_version === null ? null : Number(row.state_version),
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    dependsOn: row.depends_on as string[],
    notBefore: iso(row.not_before),
    requestedAt: iso(row.requested_at) as string,
    expiresAt: iso(row.expires_at),
    appliedAt: iso(row.applied_at),
    finishedAt: iso(row.finished_at),
    position: Number(row.position),
    approvals: (row.approvals as MutationRecord['approvals'] | undefined) ?? [],
    currentStep: row.current_step === null || row.current_step === undefined ? null : { index: Number(row.current_step), role: String(row.current_step_role) },
    passedChecks: (row.passed_checks as string[] | undefined) ?? [],
    scheduleReached: row.schedule_reached === true,
    outcome: (row.outcome as Record<string, unknown> | null | undefined) ?? null,
    compensates: (row.compensates as string | null | undefined) ?? null,
    compensatedBy: (row.compensated_by as string | null | undefined) ?? null,
    batchId: (row.batch_id as string | null | undefined) ?? null,
    batchStep: row.batch_step === null || row.batch_step === undefined ? null : Number(row.batch_step),
  };
}

/** Exactly what `toISOString` writes, so PostgreSQL reads the same instant. */

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}


