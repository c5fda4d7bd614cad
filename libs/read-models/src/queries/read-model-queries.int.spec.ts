import { eventTime, foldLane, isMutationEvent, laneStreamName, type MutationEvent } from '@countersign/domain';
import type { RecordedEvent } from '@countersign/event-store';
import { createTestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { allProjections } from '../projections/all-projections.js';
import { ProjectionRunner } from '../runner/projection-runner.js';
import { connectReadModels, seedMutations, type ReadModelsConnection, type SeededMutation } from '../testing/index.js';
import { encodeCursor, InvalidQueryError } from './cursor.js';
import { PostgresReadModelQueries } from './read-model-queries.js';
import type { MutationFilters, MutationRecord, ReadModelQueries } from './read-model-queries.port.js';

const PROJECTIONS = allProjections.map((projection) => projection.name);
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A fresh database whose read models follow its log live, as a worker keeps them. */
async function openProjectedDatabase(): Promise<{ connection: ReadModelsConnection; runners: ProjectionRunner[]; queries: ReadModelQueries }> {
  const database = await createTestDatabase('read_model_queries');
  cleanups.push(() => database.drop());
  const connection = await connectReadModels(database.url);
  cleanups.push(() => connection.close());
  const runners = allProjections.map((projection) => new ProjectionRunner(connection.dataSource, connection.eventStore, projection));
  cleanups.push(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
  });
  await Promise.all(runners.map((runner) => runner.start()));
  return { connection, runners, queries: new PostgresReadModelQueries(connection.dataSource) };
}

async function projected(connection: ReadModelsConnection, runners: readonly ProjectionRunner[]): Promise<number> {
  const head = await connection.eventStore.headPosition();
  const reached = await Promise.all(runners.map((runner) => runner.waitFor(head, PATIENT_WAIT_MS)));
  if (reached.includes(false)) throw new Error(`projections did not reach ${head}`);
  return head;
}

/** Newest first, as the read side sorts: requested_at, then mutation id, both descending. */
function newestFirst<T extends { requestedAt: string; mutationId: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.requestedAt !== b.requestedAt ? (a.requestedAt < b.requestedAt ? 1 : -1) : a.mutationId < b.mutationId ? 1 : a.mutationId > b.mutationId ? -1 : 0));
}

/** The list's order: newest first by request time, or by applied time (a seeded mutation's finishedAt) for timeField=applied. */
function inListOrder(rows: readonly SeededMutation[], filters: MutationFilters): SeededMutation[] {
  if (filters.timeField !== 'applied') return newestFirst(rows);
  return newestFirst(rows.map((mutation) => ({ ...mutation, requestedAt: mutation.finishedAt as string })));
}

function isNewerThan(a: MutationRecord, b: MutationRecord): boolean {
  return a.requestedAt > b.requestedAt || (a.requestedAt === b.requestedAt && a.mutationId > b.mutationId);
}

function timeMatches(mutation: SeededMutation, filters: MutationFilters): boolean {
  // A compensated mutation applied too (and was undone later).
  const applied = mutation.status === 'applied' || mutation.status === 'compensated';
  const time = filters.timeField === 'applied' ? (applied ? mutation.finishedAt : null) : mutation.requestedAt;
  // timeField=applied lists only mutations that applied, whatever the window.
  if (time === null) return false;
  return (filters.from === undefined || Date.parse(time) >= Date.parse(filters.from)) && (filters.to === undefined || Date.parse(time) < Date.parse(filters.to));
}

/** A metadata filter value is text; it matches a string equal to it, or a number, boolean or null spelled that way. */
function metadataValueMatches(actual: unknown, value: string): boolean {
  if (typeof actual === 'string') return actual === value;
  if (actual === null) return value === 'null';
  if (typeof actual === 'number' || typeof actual === 'boolean') return String(actual) === value;
  return false;
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** The same filters, applied in memory to what the seeder recorded. */
function matches(mutation: SeededMutation, filters: MutationFilters): boolean {
  const { classification } = mutation;
  return (
    (filters.actor === undefined || mutation.actor.id === filters.actor) &&
    (filters.actorKind === undefined || mutation.actor.kind === filters.actorKind) &&
    (filters.stateType === undefined || mutation.stateType === filters.stateType) &&
    (filters.stateId === undefined || mutation.stateId === filters.stateId) &&
    (filters.transition === undefined || mutation.transition === filters.transition) &&
    (filters.status === undefined || mutation.status === filters.status) &&
    (filters.category === undefined || classification.category === filters.category) &&
    (filters.riskLevel === undefined || classification.riskLevel === filters.riskLevel) &&
    (filters.sideEffectSeverity === undefined || classification.sideEffectSeverity === filters.sideEffectSeverity) &&
    (!filters.tag?.length || filters.tag.some((tag) => classification.tags.includes(tag))) &&
    (!filters.tags?.length || filters.tags.every((tag) => classification.tags.includes(tag))) &&
    timeMatches(mutation, filters) &&
    Object.entries(filters.metadata ?? {}).every(([key, value]) => metadataValueMatches(classification.metadata[key], value)) &&
    (filters.blastRadiusMin === undefined || classification.estimatedBlastRadius >= filters.blastRadiusMin) &&
    (filters.blastRadiusMax === undefined || classification.estimatedBlastRadius <= filters.blastRadiusMax) &&
    (filters.q === undefined || words(filters.q).every((word) => words(mutation.reason ?? '').includes(word)))
  );
}

async function walkPages(queries: ReadModelQueries, filters: MutationFilters, limit: number, betweenPages?: () => Promise<void>): Promise<MutationRecord[]> {
  const rows: MutationRecord[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1_000; pages += 1) {
    const page = await queries.listMutations(filters, { limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    rows.push(...page.items);
    if (page.nextCursor === null) return rows;
    expect(page.items).toHaveLength(limit);
    cursor = page.nextCursor;
    await betweenPages?.();
  }
  throw new Error('pagination did not end');
}

const count = <K extends string>(items: readonly SeededMutation[], key: (m: SeededMutation) => K) =>
  items.reduce<Record<string, number>>((totals, m) => ({ ...totals, [key(m)]: (totals[key(m)] ?? 0) + 1 }), {});
const highOrCritical = (m: SeededMutation) => m.classification.riskLevel === 'high' || m.classification.riskLevel === 'critical';

/** The risk report for [from, to) against an independent count of the seeded mutations; returns those in the window. */
async function expectRiskReport(queries: ReadModelQueries, seeded: readonly SeededMutation[], from: string, to: string): Promise<SeededMutation[]> {
  const inWindow = seeded.filter((m) => Date.parse(m.requestedAt) >= Date.parse(from) && Date.parse(m.requestedAt) < Date.parse(to));
  const report = await queries.riskReport(from, to);
  expect(report.totals).toEqual({
    mutations: inWindow.length,
    blastRadius: inWindow.reduce((total, m) => total + m.classification.estimatedBlastRadius, 0),
    byRiskLevel: count(inWindow, (m) => m.classification.riskLevel),
    byStatus: count(inWindow, (m) => m.status),
  });
  const dayKey = (m: SeededMutation) => `${m.requestedAt.slice(0, 10)}|${m.classification.riskLevel}|${m.classification.category}`;
  expect(Object.fromEntries(report.byDay.map((row) => [`${row.day}|${row.riskLevel}|${row.category}`, row.mutations]))).toEqual(count(inWindow, dayKey));
  expect(report.byDay.map((row) => `${row.day}|${row.riskLevel}|${row.category}`)).toEqual(Object.keys(count(inWindow, dayKey)).sort());
  expect(Object.fromEntries(report.byCategory.map((row) => [`${row.category}|${row.riskLevel}`, row.mutations]))).toEqual(
    count(inWindow, (m) => `${m.classification.category}|${m.classification.riskLevel}`),
  );
  const actorHigh = count(inWindow.filter(highOrCritical), (m) => m.actor.id);
  const expectedActors = Object.entries(actorHigh).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  expect(report.topActors.map((row) => [row.actorId, row.highOrCritical])).toEqual(expectedActors);
  for (const row of report.topActors) expect(row.mutations).toBe(inWindow.filter((m) => m.actor.id === row.actorId).length);
  const stateHigh = count(inWindow.filter(highOrCritical), (m) => `${m.stateType}|${m.stateId}`);
  expect(report.topStates.map((row) => row.highOrCritical)).toEqual(Object.values(stateHigh).sort((a, b) => b - a).slice(0, 10));
  for (const row of report.topStates) {
    expect(stateHigh[`${row.stateType}|${row.stateId}`]).toBe(row.highOrCritical);
    expect(row.mutations).toBe(inWindow.filter((m) => m.stateType === row.stateType && m.stateId === row.stateId).length);
  }
  return inWindow;
}

describe('ReadModelQueries over a seeded log', () => {
  let connection: ReadModelsConnection;
  let runners: ProjectionRunner[];
  let queries: ReadModelQueries;
  let seeded: SeededMutation[];
  let log: RecordedEvent[];

  beforeAll(async () => {
    ({ connection, runners, queries } = await openProjectedDatabase());
    seeded = (await seedMutations(connection.eventStore, { count: 300, states: 12, seed: 90_210, actors: 6, stepMs: 60_000 })).mutations;
    await projected(connection, runners);
    log = await connection.eventStore.readAll();
  });

  it('lists exactly the mutations each filter and combination of filters selects, newest first', async () => {
    const byTime = newestFirst(seeded);
    const at = (fraction: number) => byTime[Math.floor(byTime.length * fraction)]!.requestedAt;
    const someTicket = seeded.find((m) => typeof m.classification.metadata.ticket === 'string')!.classification.metadata.ticket as string;
    const someReason = seeded.find((m) => m.reason !== null)!.reason!;
    const auditCases: MutationFilters[] = [
      { metadata: { ticket: someTicket } },
      { metadata: { priority: '2' } },
      { metadata: { urgent: 'true' } },
      { metadata: { priority: '1', urgent: 'false' } },
      { blastRadiusMin: 50 },
      { blastRadiusMax: 1 },
      { blastRadiusMin: 10, blastRadiusMax: 60 },
      { q: 'seeded' },
      { q: someReason.split(' ').slice(-2).join(' ').toUpperCase() },
      { timeField: 'applied', from: at(0.5) },
      { timeField: 'applied', to: at(0.5), stateType: 'credit-limit' },
      { metadata: { urgent: 'false' }, blastRadiusMax: 1, status: 'applied', q: 'change', tag: ['prod', 'team-a'] },
    ];
    const busiestState = [...seeded.reduce((counts, m) => counts.set(m.stateId, (counts.get(m.stateId) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]![0];
    const cases: MutationFilters[] = [
      {},
      { actor: 'human-1' },
      { actor: 'agent-3' },
      { actorKind: 'agent' },
      { actorKind: 'service' },
      { stateType: 'credit-limit' },
      { stateId: busiestState },
      { transition: 'setRollout' },
      { status: 'pending' },
      { status: 'denied' },
      { status: 'applied' },
      { category: 'maintenance' },
      { category: 'credit' },
      { riskLevel: 'high' },
      { riskLevel: 'critical' },
      { sideEffectSeverity: 'high' },
      { tag: ['prod'] },
      { tag: ['pii', 'staging'] },
      { tags: ['prod', 'team-a'] },
      { from: at(0.5) },
      { to: at(0.5) },
      { from: at(0.7), to: at(0.3) },
      { stateType: 'feature-flag', tag: ['prod'], status: 'pending' },
      { actorKind: 'human', riskLevel: 'high', from: at(0.9) },
      { tags: ['prod'], tag: ['team-a', 'team-b'], to: at(0.2) },
      { stateType: 'credit-limit', transition: 'raiseLimit', status: 'applied', sideEffectSeverity: 'medium' },
      { actor: 'human-1', actorKind: 'agent' },
      ...auditCases,
      { q: 'no-such-word-anywhere' },
    ];
    for (const filters of cases) {
      const expected = inListOrder(seeded.filter((mutation) => matches(mutation, filters)), filters).map((mutation) => mutation.mutationId);
      const listed = await walkPages(queries, filters, 1_000);
      expect({ filters, ids: listed.map((row) => row.mutationId) }).toEqual({ filters, ids: expected });
    }
    // Applied-time order across many small pages, and its cursors do not mix with request-time ones.
    for (const filters of [{ timeField: 'applied' }, { timeField: 'applied', stateType: 'credit-limit', from: at(0.8) }] as MutationFilters[]) {
      const expected = inListOrder(seeded.filter((mutation) => matches(mutation, filters)), filters).map((mutation) => mutation.mutationId);
      expect(expected.length).toBeGreaterThan(7);
      expect((await walkPages(queries, filters, 7)).map((row) => row.mutationId)).toEqual(expected);
    }
    const requestedCursor = (await queries.listMutations({}, { limit: 2 })).nextCursor as string;
    const appliedCursor = (await queries.listMutations({ timeField: 'applied' }, { limit: 2 })).nextCursor as string;
    await expect(queries.listMutations({ timeField: 'applied' }, { limit: 2, cursor: requestedCursor })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(queries.listMutations({}, { limit: 2, cursor: appliedCursor })).rejects.toBeInstanceOf(InvalidQueryError);

    // Guard against a vacuous comparison: every single filter above selects something, but not everything.
    for (const filters of [...cases.slice(1, 22), ...auditCases]) {
      const count = seeded.filter((mutation) => matches(mutation, filters)).length;
      expect({ filters, selective: count > 0 && count < seeded.length }).toEqual({ filters, selective: true });
    }
  });

  it('streams every selected mutation in list order, in keyset pages, for the export', async () => {
    for (const filters of [{}, { status: 'applied' }, { tag: ['prod'], riskLevel: 'high' }, { metadata: { urgent: 'true' } }, { timeField: 'applied' }] as MutationFilters[]) {
      const streamed: string[] = [];
      for await (const record of queries.streamMutations(filters, 7)) streamed.push(record.mutationId);
      const expected = inListOrder(seeded.filter((mutation) => matches(mutation, filters)), filters).map((mutation) => mutation.mutationId);
      expect({ filters, streamed }).toEqual({ filters, streamed: expected });
    }
  });

  it('lists approval decisions newest first, filtered and paged, as the log records them', async () => {
    const decisions = log
      .filter((event) => event.type === 'ApprovalGranted' || event.type === 'ApprovalRejected')
      .map((event) => {
        const data = event.data as { mutationId: string; approver: { id: string }; role: string; approvedAt?: string; rejectedAt?: string };
        return { mutationId: data.mutationId, position: event.position, approver: data.approver.id, role: data.role, decision: event.type === 'ApprovalGranted' ? 'approve' : 'reject', decidedAt: new Date(data.approvedAt ?? data.rejectedAt ?? '').toISOString() };
      })
      .sort((a, b) => (a.decidedAt !== b.decidedAt ? (a.decidedAt < b.decidedAt ? 1 : -1) : b.position - a.position));
    expect(decisions.length).toBeGreaterThan(5);
    const walk = async (filters: Parameters<ReadModelQueries['approvalDecisions']>[0]) => {
      const items: { position: number; waitMs: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await queries.approvalDecisions(filters, { limit: 4, ...(cursor === undefined ? {} : { cursor }) });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    };
    expect((await walk({})).map((item) => item.position)).toEqual(decisions.map((decision) => decision.position));
    const approver = decisions[0]!.approver;
    expect((await walk({ approver, decision: 'approve' })).map((item) => item.position)).toEqual(
      decisions.filter((decision) => decision.approver === approver && decision.decision === 'approve').map((decision) => decision.position),
    );
    expect((await walk({ decision: 'reject' })).length).toBe(decisions.filter((decision) => decision.decision === 'reject').length);
    for (const item of await walk({})) expect(item.waitMs).toBeGreaterThanOrEqual(0);
  });

  it('reports risk over a window exactly as an independent count of the seeded mutations, and the SQL views agree', async () => {
    const byTime = newestFirst(seeded);
    const from = byTime[Math.floor(byTime.length * 0.8)]!.requestedAt;
    const to = byTime[Math.floor(byTime.length * 0.1)]!.requestedAt;
    const inWindow = await expectRiskReport(queries, seeded, from, to);
    expect(inWindow.filter(highOrCritical).length).toBeGreaterThan(0);

    // The documented views give the same numbers for dashboards that query SQL directly.
    const viewTotals = (await connection.dataSource.query('SELECT coalesce(sum(mutations), 0)::int AS n, coalesce(sum(blast_radius), 0)::int AS blast FROM risk_daily')) as { n: number; blast: number }[];
    expect(viewTotals[0]).toEqual({ n: seeded.length, blast: seeded.reduce((total, m) => total + m.classification.estimatedBlastRadius, 0) });
    const actorView = (await connection.dataSource.query('SELECT actor_id, sum(high_or_critical)::int AS n FROM risk_actor_daily GROUP BY 1 HAVING sum(high_or_critical) > 0')) as { actor_id: string; n: number }[];
    expect(Object.fromEntries(actorView.map((row) => [row.actor_id, row.n]))).toEqual(count(seeded.filter(highOrCritical), (m) => m.actor.id));
    const stateView = (await connection.dataSource.query('SELECT sum(mutations)::int AS n FROM risk_state_daily')) as { n: number }[];
    expect(stateView[0]?.n).toBe(seeded.length);
    const speed = (await connection.dataSource.query('SELECT count(*)::int AS n, bool_and(wait_seconds >= 0) AS ok FROM approval_speed')) as { n: number; ok: boolean }[];
    expect(speed[0]?.ok).toBe(true);
    expect(speed[0]?.n).toBeGreaterThan(0);
  });

  it('returns each mutation with what was requested and how it ended', async () => {
    const listed = new Map((await walkPages(queries, {}, 1_000)).map((row) => [row.mutationId, row]));
    for (const mutation of seeded) {
      const row = listed.get(mutation.mutationId);
      expect(row && {
        mutationId: row.mutationId,
        stateType: row.stateType,
        stateId: row.stateId,
        transition: row.transition,
        status: row.status,
        actor: row.actor,
        reason: row.reason,
        category: row.category,
        riskLevel: row.riskLevel,
        sideEffectSeverity: row.sideEffectSeverity,
        tags: row.tags,
        metadata: row.metadata,
        estimatedBlastRadius: row.estimatedBlastRadius,
        requestedAt: row.requestedAt,
        position: row.position,
      }).toEqual({
        mutationId: mutation.mutationId,
        stateType: mutation.stateType,
        stateId: mutation.stateId,
        transition: mutation.transition,
        status: mutation.status,
        actor: mutation.actor,
        reason: mutation.reason,
        category: mutation.classification.category,
        riskLevel: mutation.classification.riskLevel,
        sideEffectSeverity: mutation.classification.sideEffectSeverity,
        tags: mutation.classification.tags,
        metadata: mutation.classification.metadata,
        estimatedBlastRadius: mutation.classification.estimatedBlastRadius,
        requestedAt: mutation.requestedAt,
        position: mutation.position,
      });
      expect({ id: mutation.mutationId, finishedAt: row?.finishedAt, expiresAt: row?.expiresAt }).toEqual({ id: mutation.mutationId, finishedAt: mutation.finishedAt, expiresAt: mutation.expiresAt });
    }
  });

  it('pages through every mutation exactly once in (requested_at desc, mutation_id desc) order', async () => {
    for (const limit of [1, 7, 50, 299, 300, 301]) {
      const rows = await walkPages(queries, {}, limit);
      expect({ limit, ids: rows.map((row) => row.mutationId) }).toEqual({ limit, ids: newestFirst(seeded).map((mutation) => mutation.mutationId) });
    }
    // Ties on requested_at are common in the seed, so the mutation id really breaks them.
    expect(new Set(seeded.map((mutation) => mutation.requestedAt)).size).toBeLessThan(seeded.length * 0.9);
    const prodPages = await walkPages(queries, { tag: ['prod'], status: 'applied' }, 4);
    expect(prodPages.map((row) => row.mutationId)).toEqual(newestFirst(seeded.filter((m) => matches(m, { tag: ['prod'], status: 'applied' }))).map((m) => m.mutationId));
  });

  it('rejects a cursor it did not hand out as an invalid cursor parameter', async () => {
    const tampered = [
      'not a cursor',
      encodeCursor(['2030-01-01T00:00:00.000Z']),
      encodeCursor([1, 'a']),
      encodeCursor(['yesterday', '6a3e8d35-5c35-4f43-9f0e-2f1f1d5b7c11']),
      encodeCursor(['2030-02-31T00:00:00.000Z', '6a3e8d35-5c35-4f43-9f0e-2f1f1d5b7c11']),
      encodeCursor(['2030-01-01T00:00:00.000Z', 'not-a-uuid']),
    ];
    for (const cursor of tampered) {
      const failure = await queries.listMutations({}, { limit: 5, cursor }).then(
        () => 'accepted',
        (error: unknown) => error,
      );
      expect({ cursor, failure }).toEqual({ cursor, failure: expect.any(InvalidQueryError) });
      expect({ cursor, parameter: (failure as InvalidQueryError).parameter }).toEqual({ cursor, parameter: 'cursor' });
    }
    // Versions are PostgreSQL integers: one past them must not reach the query (it would fail there, a 500).
    for (const cursor of ['%%%', encodeCursor(['3']), encodeCursor([2, 3]), encodeCursor([2 ** 31]), encodeCursor([Number.MAX_SAFE_INTEGER]), encodeCursor([-1])]) {
      await expect(queries.stateHistory('feature-flag', 'flag-0', { limit: 5, cursor })).rejects.toMatchObject({ code: 'invalid_query', parameter: 'cursor' });
    }
  });

  it('returns a mutation with its timeline in log order', async () => {
    const eventsOf = new Map<string, RecordedEvent[]>();
    for (const event of log) {
      const { mutationId } = event.data as { mutationId: string };
      eventsOf.set(mutationId, [...(eventsOf.get(mutationId) ?? []), event]);
    }
    // One mutation of every status, and the one with the longest timeline (approvals, dismissals…).
    const samples = [...new Map(seeded.map((mutation) => [mutation.status, mutation])).values()];
    const longest = [...seeded].sort((a, b) => (eventsOf.get(b.mutationId)?.length ?? 0) - (eventsOf.get(a.mutationId)?.length ?? 0))[0]!;
    expect(samples.length).toBeGreaterThanOrEqual(7);
    expect(eventsOf.get(longest.mutationId)!.length).toBeGreaterThan(4);
    for (const mutation of [...samples, longest]) {
      const found = await queries.getMutation(mutation.mutationId);
      const events = eventsOf.get(mutation.mutationId) ?? [];
      expect(found?.status).toBe(mutation.status);
      expect(found?.timeline).toEqual(
        events.map((event) => ({ type: event.type, at: eventTime(event as unknown as MutationEvent), position: event.position, data: JSON.parse(JSON.stringify(event.data)) })),
      );
      expect(found?.timeline[0]?.type).toBe('MutationRequested');
    }
    expect(await queries.getMutation('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('returns each state as its lane folds it and its history page by page, and neither for a state that never applied', async () => {
    const streams = new Map<string, MutationEvent[]>();
    for (const event of log.filter((recorded) => isMutationEvent(recorded))) {
      streams.set(event.streamName, [...(streams.get(event.streamName) ?? []), { type: event.type, data: event.data } as MutationEvent]);
    }
    const stateKeys = [...new Map(seeded.map((m) => [`${m.stateType}/${m.stateId}`, m])).values()];
    let longestHistory = { stateType: '', stateId: '', versions: 0 };
    for (const { stateType, stateId } of stateKeys) {
      const events = streams.get(laneStreamName(stateType, stateId)) ?? [];
      const lane = foldLane(stateType, stateId, events);
      const applied = events.filter((event) => event.type === 'MutationApplied');
      const state = await queries.getState(stateType, stateId);
      if (!lane.exists) {
        expect({ stateId, state, history: await queries.stateHistory(stateType, stateId, { limit: 3 }) }).toEqual({ stateId, state: null, history: null });
        continue;
      }
      const last = applied[applied.length - 1]!;
      expect(state && { state: state.state, version: state.version, lastMutationId: state.lastMutationId, updatedAt: state.updatedAt }).toEqual({
        state: lane.document,
        version: lane.version,
        lastMutationId: last.data.mutationId,
        updatedAt: last.data.appliedAt,
      });
      if (lane.version > longestHistory.versions) longestHistory = { stateType, stateId, versions: lane.version };
    }
    expect(longestHistory.versions).toBeGreaterThan(5);

    const { stateType, stateId } = longestHistory;
    const applied = (streams.get(laneStreamName(stateType, stateId)) ?? []).filter((event) => event.type === 'MutationApplied');
    const history: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await queries.stateHistory(stateType, stateId, { limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      expect(page).not.toBeNull();
      history.push(...(page?.items ?? []));
      cursor = page?.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const appliedPositions = log.filter((event) => event.type === 'MutationApplied' && event.streamName === laneStreamName(stateType, stateId)).map((event) => event.position);
    expect(history).toEqual(
      applied.map((event, index) => ({
        version: index + 1,
        mutationId: event.data.mutationId,
        transition: event.data.transition,
        diff: JSON.parse(JSON.stringify(event.data.diff)),
        actor: { id: event.data.actor.id, kind: event.data.actor.kind },
        appliedAt: event.data.appliedAt,
        position: appliedPositions[index],
      })),
    );
    expect(await queries.stateHistory(stateType, stateId, { limit: 3, cursor: encodeCursor([applied.length]) })).toEqual({ items: [], nextCursor: null });
    expect(await queries.getState('feature-flag', 'no-such-flag')).toBeNull();
    expect(await queries.stateHistory('feature-flag', 'no-such-flag', { limit: 3 })).toBeNull();
    expect(await queries.stateHistory('feature-flag', 'no-such-flag', { limit: 3, cursor: encodeCursor([1]) })).toBeNull();
  });

  it('waits for the projections to reach a position, and gives up after the timeout', async () => {
    const head = await connection.eventStore.headPosition();
    expect(await queries.waitForPosition(PROJECTIONS, head, PATIENT_WAIT_MS)).toBe(true);

    const startedAt = Date.now();
    expect(await queries.waitForPosition(PROJECTIONS, head + 1, 250)).toBe(false);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);

    const waiting = queries.waitForPosition(PROJECTIONS, head + 1, PATIENT_WAIT_MS);
    const more = await seedMutations(connection.eventStore, { count: 3, states: 2, seed: 5, stateIdPrefix: 'late-', start: '2031-01-01T00:00:00.000Z' });
    expect(more.lastPosition).toBeGreaterThan(head);
    expect(await waiting).toBe(true);
    const checkpoints = await queries.checkpoints();
    expect(checkpoints.every((checkpoint) => checkpoint.position > head)).toBe(true);
  });
});

describe('ReadModelQueries pagination while mutations keep arriving', () => {
  it('returns every mutation that existed before the walk exactly once, in order, while new ones are projected between pages', async () => {
    const { connection, runners, queries } = await openProjectedDatabase();
    const before = await seedMutations(connection.eventStore, { count: 120, states: 8, seed: 314, stepMs: 10_000 });
    await projected(connection, runners);
    let round = 0;
    // New mutations land both before and after the cursor: their clocks overlap the existing range.
    const appendMore = async () => {
      round += 1;
      await seedMutations(connection.eventStore, { count: 4, states: 4, seed: 1_000 + round, stateIdPrefix: `late-${round}-`, start: before.mutations[(round * 37) % 120]!.requestedAt, stepMs: 7_000 });
      await projected(connection, runners);
    };
    const walked = await walkPages(queries, {}, 9, appendMore);

    expect(round).toBeGreaterThan(5);
    const seen = walked.map((row) => row.mutationId);
    expect(new Set(seen).size).toBe(seen.length);
    for (let index = 1; index < walked.length; index += 1) expect(isNewerThan(walked[index - 1]!, walked[index]!)).toBe(true);
    const existing = new Set(before.mutations.map((mutation) => mutation.mutationId));
    expect(seen.filter((id) => existing.has(id))).toEqual(newestFirst(before.mutations).map((mutation) => mutation.mutationId));
    // Some of the newcomers sorted behind the cursor and were picked up on later pages.
    expect(seen.length).toBeGreaterThan(existing.size);
  });
});

describe('risk report and daily rollups over several days', () => {
  let connection: ReadModelsConnection;
  let runners: ProjectionRunner[];
  let queries: ReadModelQueries;
  let seeded: SeededMutation[];

  beforeAll(async () => {
    ({ connection, runners, queries } = await openProjectedDatabase());
    // 20 minutes per step: about four days of requests, so windows hold whole days and partial ones.
    seeded = (await seedMutations(connection.eventStore, { count: 300, states: 9, seed: 77_001, actors: 8, stepMs: 1_200_000, start: '2031-03-01T07:30:00.000Z' })).mutations;
    await projected(connection, runners);
  });

  it('keeps each rollup equal to the aggregate of the mutations rows it summarises, statuses that moved included', async () => {
    const aggregate = (sql: string) => connection.dataSource.query(sql) as Promise<Record<string, unknown>[]>;
    expect(await aggregate('SELECT day, risk_level, category, status, mutations::int, blast_radius::int FROM risk_rollup_daily ORDER BY 1, 2, 3, 4')).toEqual(
      await aggregate(
        `SELECT date_trunc('day', requested_at, 'UTC') AS day, risk_level, category, status, count(*)::int AS mutations, coalesce(sum(estimated_blast_radius), 0)::int AS blast_radius
         FROM mutations GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      ),
    );
    for (const [table, keys] of [
      ['risk_rollup_actor_daily', 'actor_id, actor_kind'],
      ['risk_rollup_state_daily', 'state_type, state_id'],
    ] as const) {
      expect(await aggregate(`SELECT day, ${keys}, mutations::int, high_or_critical::int, blast_radius::int FROM ${table} ORDER BY 1, 2, 3`)).toEqual(
        await aggregate(
          `SELECT date_trunc('day', requested_at, 'UTC') AS day, ${keys}, count(*)::int AS mutations,
                  count(*) FILTER (WHERE risk_level IN ('high', 'critical'))::int AS high_or_critical, coalesce(sum(estimated_blast_radius), 0)::int AS blast_radius
           FROM mutations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        ),
      );
    }
    // Statuses moved after the request (pending, then decided) and the rollup followed without leaving empty keys.
    expect(new Set(seeded.map((m) => m.status)).size).toBeGreaterThan(3);
    expect(await aggregate('SELECT 1 FROM risk_rollup_daily WHERE mutations <= 0')).toEqual([]);
  });

  it('answers windows of whole days, partial days at either edge, a single partial day and an empty window exactly', async () => {
    const first = Date.parse(seeded[0]!.requestedAt);
    const last = Date.parse(seeded.at(-1)!.requestedAt);
    const days = Math.floor((last - first) / 86_400_000);
    expect(days).toBeGreaterThanOrEqual(3);
    const midnight = (offsetDays: number) => new Date(Math.ceil(first / 86_400_000) * 86_400_000 + offsetDays * 86_400_000).toISOString();
    const hours = (iso: string, count: number) => new Date(Date.parse(iso) + count * 3_600_000).toISOString();
    const windows: [string, string][] = [
      [midnight(0), midnight(2)], // whole days only
      [hours(midnight(0), -5), hours(midnight(2), 7)], // partial days at both edges
      [hours(midnight(1), 3), hours(midnight(1), 20)], // inside one day
      [hours(midnight(0), -2), midnight(1)], // partial start, whole day
      [new Date(first).toISOString(), new Date(last + 1).toISOString()], // everything
      [midnight(1), midnight(1)], // empty
    ];
    let covered = 0;
    for (const [from, to] of windows) covered += (await expectRiskReport(queries, seeded, from, to)).length;
    expect(covered).toBeGreaterThan(seeded.length);
  });
});
