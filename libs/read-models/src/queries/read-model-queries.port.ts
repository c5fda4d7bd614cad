/**
 * The query port: what dashboards, auditors and the API ask of the read models, with no storage
 * in sight (ADR 0007). `PostgresReadModelQueries` answers it with SQL over the PostgreSQL read
 * models; another store (a warehouse, a search index) can stand behind the same contract.
 * The abstract class doubles as the Nest injection token: consumers inject `ReadModelQueries`.
 *
 * Shared rules for every implementation:
 * - Lists are ordered newest first by (time, id) (mutations, decisions) or oldest first by version
 *   (state history); `nextCursor` is opaque and a page read with it never repeats or skips a row
 *   that existed when the first page was read, however many rows arrive in between.
 * - Filters combine with AND; `tag` is any-of, `tags` all-of; `from` is inclusive, `to` exclusive.
 * - A bad filter value or cursor throws `InvalidQueryError` naming the parameter.
 */
export interface MutationFilters {
  actor?: string;
  actorKind?: string;
  stateType?: string;
  stateId?: string;
  transition?: string;
  status?: string;
  category?: string;
  riskLevel?: string;
  sideEffectSeverity?: string;
  /** Any of these tags. */
  tag?: string[];
  /** All of these tags. */
  tags?: string[];
  /** At or after (ISO 8601), on the time named by `timeField`. */
  from?: string;
  /** Before (ISO 8601), on the time named by `timeField`. */
  to?: string;
  /** The time `from`/`to` apply to and the list is ordered by: when it was requested (default) or applied (then only mutations that applied are listed). */
  timeField?: 'requested' | 'applied';
  /** Equality on top-level metadata keys; a value that reads as a number, boolean or null also matches that JSON value. */
  metadata?: Record<string, string>;
  /** Estimated blast radius at least / at most. */
  blastRadiusMin?: number;
  blastRadiusMax?: number;
  /** Words that must all occur in the reason (PostgreSQL `simple` text search: case-insensitive, whole words). */
  q?: string;
}

/** The risk report over a time window of requests (GET /v1/reports/risk). */
export interface RiskReport {
  from: string;
  to: string;
  totals: { mutations: number; blastRadius: number; byRiskLevel: Record<string, number>; byStatus: Record<string, number> };
  /** Counts per day (UTC), risk level and category. */
  byDay: { day: string; riskLevel: string; category: string; mutations: number; blastRadius: number }[];
  /** Counts per category and risk level. */
  byCategory: { category: string; riskLevel: string; mutations: number; blastRadius: number }[];
  /** Actors and states with the most high or critical mutations (at most 10 each). */
  topActors: { actorId: string; actorKind: string; highOrCritical: number; mutations: number }[];
  topStates: { stateType: string; stateId: string; highOrCritical: number; mutations: number }[];
}

/** One approve or reject, for "who approved what, how fast" (GET /v1/approvals/decisions). */
export interface ApprovalDecisionRecord {
  mutationId: string;
  position: number;
  stateType: string;
  stateId: string;
  transition: string;
  requestedBy: string;
  requestedAt: string;
  approver: { id: string; kind: string };
  step: number;
  role: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  decidedAt: string;
  /** How long after the request it was decided. */
  waitMs: number;
}

export interface ApprovalDecisionFilters {
  approver?: string;
  role?: string;
  decision?: 'approve' | 'reject';
  stateType?: string;
  /** Decided at or after / before (ISO 8601). */
  from?: string;
  to?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface MutationRecord {
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  status: string;
  actor: { id: string; kind: string; roles: string[] };
  reason: string | null;
  category: string;
  riskLevel: string;
  sideEffectSeverity: string;
  tags: string[];
  metadata: Record<string, unknown>;
  estimatedBlastRadius: number;
  payload: unknown;
  evaluation: unknown;
  requirements: unknown[] | null;
  denial: unknown;
  diff: unknown[] | null;
  /** Null until the mutation is planned (it waits for its dependencies unplanned). */
  planHash: string | null;
  baseVersion: number;
  expectedVersion: number | null;
  stateVersion: number | null;
  idempotencyKey: string | null;
  dependsOn: string[];
  notBefore: string | null;
  requestedAt: string;
  expiresAt: string | null;
  appliedAt: string | null;
  finishedAt: string | null;
  position: number;
  /** Approval progress of a pending mutation. */
  approvals: { approverId: string; step: number; role: string; approvedAt: string }[];
  currentStep: { index: number; role: string } | null;
  passedChecks: string[];
  scheduleReached: boolean;
  /** Why it ended (rejected, expired, cancelled, conflicted, failed, denied). */
  outcome: Record<string, unknown> | null;
  /** The mutation this one undoes (a compensation), else null. */
  compensates: string | null;
  /** The mutation that undid this one (status `compensated`), else null. */
  compensatedBy: string | null;
  /** The batch this mutation is a step of, else null. */
  batchId: string | null;
  batchStep: number | null;
}

export interface PendingApproval {
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  requestedBy: { id: string; kind: string };
  reason: string | null;
  riskLevel: string;
  category: string;
  tags: string[];
  payload: unknown;
  diff: unknown[] | null;
  requirements: unknown[];
  currentStep: { index: number; role: string };
  approvals: { approverId: string; step: number; role: string; approvedAt: string }[];
  requestedAt: string;
  expiresAt: string;
  timeLeftMs: number;
}

export interface TimelineEntry {
  type: string;
  at: string;
  position: number;
  data: Record<string, unknown>;
}

export interface StateRecord {
  stateType: string;
  stateId: string;
  state: unknown;
  version: number;
  lastMutationId: string;
  updatedAt: string;
  position: number;
}

export interface StateHistoryItem {
  version: number;
  mutationId: string;
  transition: string;
  diff: unknown[];
  actor: { id: string; kind: string };
  appliedAt: string;
  position: number;
}

/** The read side as dashboards and the API see it; see the rules at the top of this file. */
export abstract class ReadModelQueries {
  /** One mutation with its event timeline; null when unknown. */
  abstract getMutation(mutationId: string): Promise<(MutationRecord & { timeline: TimelineEntry[] }) | null>;
  /** Newest first by request time (by applied time for `timeField: 'applied'`), then id; filtered and paged. */
  abstract listMutations(filters: MutationFilters, page: PageRequest): Promise<Page<MutationRecord>>;
  /** Every filtered mutation in list order, read in bounded pages (constant memory, for exports). */
  abstract streamMutations(filters: MutationFilters, batchSize?: number): AsyncGenerator<MutationRecord>;
  abstract getState(stateType: string, stateId: string): Promise<StateRecord | null>;
  /** Oldest version first; null when the state has no applied version (it does not exist). */
  abstract stateHistory(stateType: string, stateId: string, page: PageRequest): Promise<Page<StateHistoryItem> | null>;
  /** Where a mutation lives (its lane) and its projected status. */
  abstract locateMutation(mutationId: string): Promise<{ stateType: string; stateId: string; status: string } | null>;
  /** Requests in [from, to): totals, per day/level/category, top actors and states by high/critical. */
  abstract riskReport(from: string, to: string): Promise<RiskReport>;
  /** Approval decisions, most recent first. */
  abstract approvalDecisions(filters: ApprovalDecisionFilters, page: PageRequest): Promise<Page<ApprovalDecisionRecord>>;
  /** The projected status of each of these mutations; unknown ids are left out. */
  abstract mutationStatuses(mutationIds: readonly string[]): Promise<Record<string, string>>;
  /** Pending mutations whose current step this principal may decide, soonest expiry first. */
  abstract pendingApprovals(principal: { id: string; roles: readonly string[] }, page: PageRequest, now: Date): Promise<Page<PendingApproval>>;
  /** Each projection's checkpoint (the last log position it applied). */
  abstract checkpoints(): Promise<{ projection: string; position: number; updatedAt: string }[]>;
  /** Resolves true once every named projection reached `position`, false after `timeoutMs`. */
  abstract waitForPosition(projections: readonly string[], position: number, timeoutMs: number): Promise<boolean>;
}
