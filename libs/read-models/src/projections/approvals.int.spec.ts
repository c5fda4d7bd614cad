import { creditLimitContract, featureFlagContract } from '@countersign/contracts';
import type { Actor, Contract } from '@countersign/domain';
import { createTestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresReadModelQueries } from '../queries/read-model-queries.js';
import { ProjectionRunner } from '../runner/projection-runner.js';
import { accessPolicyContract, connectReadModels, laneScenario, normalizeRow, type LaneScenario, type ReadModelsConnection } from '../testing/index.js';
import { allProjections } from './all-projections.js';

const CREDIT_LIMIT = creditLimitContract as unknown as Contract<unknown>;
const FEATURE_FLAG = featureFlagContract as unknown as Contract<unknown>;
const ACCESS_POLICY = accessPolicyContract as unknown as Contract<unknown>;
const TTL_MS = 60 * 60_000;
const T0 = Date.parse('2030-03-01T09:00:00.000Z');
/** The instant `minutes` after T0. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const human = (id: string, ...roles: string[]): Actor => ({ id, kind: 'human', roles });
const alice = human('alice', 'engineer');
const rita = human('rita', 'risk-officer');
const rob = human('rob', 'risk-officer');
const releaseManager = human('rhea', 'release-manager');
const sec1 = human('sec-1', 'security-officer');
const sec2: Actor = { id: 'sec-bot', kind: 'service', roles: ['security-officer'] };
const ciso = human('cyd', 'ciso');
const agent: Actor = { id: 'agent-7', kind: 'agent', roles: [] };

let cleanup: () => Promise<void> = async () => undefined;
let connection: ReadModelsConnection;
let runners: ProjectionRunner[];
let lanes: LaneScenario;

beforeAll(async () => {
  const database = await createTestDatabase('approvals_projection');
  connection = await connectReadModels(database.url);
  runners = allProjections.map((projection) => new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 7 }));
  await Promise.all(runners.map((runner) => runner.start()));
  lanes = laneScenario(connection.eventStore, { seed: 303, approvalTtlMs: TTL_MS });
  cleanup = async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await connection.close();
    await database.drop();
  };
});

afterAll(() => cleanup());

/** Waits until every projection has applied the whole log. */
async function projected(): Promise<void> {
  const head = await connection.eventStore.headPosition();
  const reached = await Promise.all(runners.map((runner) => runner.waitFor(head, PATIENT_WAIT_MS)));
  if (reached.includes(false)) throw new Error(`projections did not reach ${head}`);
}

async function timersOf(mutationId: string): Promise<Record<string, unknown>[]> {
  await projected();
  const rows = (await connection.dataSource.query('SELECT * FROM timers WHERE mutation_id = $1 ORDER BY kind', [mutationId])) as Record<string, unknown>[];
  return rows.map(normalizeRow);
}

async function mutationRow(mutationId: string): Promise<Record<string, unknown>> {
  await projected();
  const rows = (await connection.dataSource.query('SELECT * FROM mutations WHERE mutation_id = $1', [mutationId])) as Record<string, unknown>[];
  return normalizeRow(rows[0]!);
}

const timer = (mutationId: string, kind: 'expire' | 'schedule', stateId: string, dueAt: string, stateType = 'credit-limit') => ({
  mutation_id: mutationId,
  kind,
  state_type: stateType,
  state_id: stateId,
  due_at: dueAt,
  fired_at: null,
  attempts: 0,
  last_error: null,
});

/** A credit line at `limit`, opened directly (no approval needed up to 10,000). */
async function openCustomer(stateId: string, limit = 1_000, minute = 0): Promise<void> {
  await lanes.submit(CREDIT_LIMIT, { stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit }, actor: alice, at: at(minute) });
}

describe('timers projection', () => {
  it('gives a pending mutation one expire timer, due at its expiry', async () => {
    const { mutationId, outcome } = await lanes.submit(CREDIT_LIMIT, { stateId: 'timer-1', transition: 'open', payload: { customerId: 'timer-1', currency: 'EUR', limit: 20_000 }, actor: alice, at: at(0) });
    expect(outcome.status).toBe('pending');
    expect(await timersOf(mutationId)).toEqual([timer(mutationId, 'expire', 'timer-1', at(60))]);
  });

  it('adds a schedule timer for a notBefore, drops only it when the schedule is reached, and the rest when the mutation ends', async () => {
    await openCustomer('timer-2');
    const { mutationId } = await lanes.submit(CREDIT_LIMIT, { stateId: 'timer-2', transition: 'raiseLimit', payload: { by: 15_000 }, actor: alice, at: at(1), notBefore: at(10) });
    // The ttl runs from the schedule: a mutation must outlive its notBefore.
    expect(await timersOf(mutationId)).toEqual([timer(mutationId, 'expire', 'timer-2', at(70)), timer(mutationId, 'schedule', 'timer-2', at(10))]);

    expect(await lanes.decide(mutationId, at(5), { type: 'ReachSchedule' })).toEqual({ kind: 'unchanged', reason: 'the schedule is not reached yet', notDue: true });
    expect(await timersOf(mutationId)).toHaveLength(2);

    expect(await lanes.decide(mutationId, at(10), { type: 'ReachSchedule' })).toMatchObject({ kind: 'recorded', status: 'pending' });
    expect(await timersOf(mutationId)).toEqual([timer(mutationId, 'expire', 'timer-2', at(70))]);
    expect(await mutationRow(mutationId)).toMatchObject({ schedule_reached: true, current_step: 0, current_step_role: 'risk-officer' });

    expect(await lanes.decide(mutationId, at(11), { type: 'ApproveMutation', approver: rita, decision: 'approve' })).toMatchObject({ kind: 'recorded', status: 'applied' });
    expect(await timersOf(mutationId)).toEqual([]);
  });

  it('removes every timer of a mutation however it ends', async () => {
    type Ending = { name: string; status: string; scheduled: boolean; end: (mutationId: string, stateId: string) => Promise<unknown> };
    const approve = (approver: Actor) => (mutationId: string) => lanes.decide(mutationId, at(30), { type: 'ApproveMutation', approver, decision: 'approve' });
    const endings: Ending[] = [
      { name: 'applied', status: 'applied', scheduled: false, end: approve(rita) },
      { name: 'rejected', status: 'rejected', scheduled: true, end: (id) => lanes.decide(id, at(30), { type: 'ApproveMutation', approver: rob, decision: 'reject', comment: 'no' }) },
      { name: 'cancelled', status: 'cancelled', scheduled: true, end: (id) => lanes.decide(id, at(30), { type: 'CancelMutation', actor: alice }) },
      { name: 'expired', status: 'expired', scheduled: true, end: (id) => lanes.decide(id, at(75), { type: 'ExpireMutation' }) },
      {
        name: 'conflicted',
        status: 'conflicted',
        scheduled: false,
        end: async (id, stateId) => {
          await lanes.submit(CREDIT_LIMIT, { stateId, transition: 'setLimit', payload: { amount: 500 }, actor: alice, at: at(20) });
          return approve(rita)(id);
        },
      },
    ];
    for (const [index, ending] of endings.entries()) {
      const stateId = `ending-${ending.name}`;
      await openCustomer(stateId);
      const { mutationId } = await lanes.submit(CREDIT_LIMIT, {
        stateId,
        transition: 'raiseLimit',
        payload: { by: 15_000 },
        actor: alice,
        at: at(1),
        expectedVersion: 1,
        ...(ending.scheduled ? { notBefore: at(10 + index) } : {}),
      });
      expect({ ending: ending.name, timers: (await timersOf(mutationId)).length }).toEqual({ ending: ending.name, timers: ending.scheduled ? 2 : 1 });
      await ending.end(mutationId, stateId);
      expect({ ending: ending.name, status: (await mutationRow(mutationId)).status, timers: await timersOf(mutationId) }).toEqual({ ending: ending.name, status: ending.status, timers: [] });
    }

    // Denied when re-planned: the flag was switched off meanwhile, so the rollout's guard now fails.
    await lanes.submit(FEATURE_FLAG, { stateId: 'flag-ending', transition: 'create', payload: { owner: 'team-1' }, actor: alice, at: at(0) });
    await lanes.submit(FEATURE_FLAG, { stateId: 'flag-ending', transition: 'enable', payload: {}, actor: alice, at: at(0) });
    const rollout = await lanes.submit(FEATURE_FLAG, { stateId: 'flag-ending', transition: 'setRollout', payload: { percentage: 100 }, actor: alice, at: at(1), classification: { tags: ['prod'] } });
    expect(await timersOf(rollout.mutationId)).toHaveLength(1);
    await lanes.submit(FEATURE_FLAG, { stateId: 'flag-ending', transition: 'disable', payload: {}, actor: alice, at: at(2) });
    await lanes.decide(rollout.mutationId, at(3), { type: 'ApproveMutation', approver: releaseManager, decision: 'approve' });
    expect(await mutationRow(rollout.mutationId)).toMatchObject({ status: 'denied', outcome: { deniedBy: 'guard' }, current_step: null });
    expect(await timersOf(rollout.mutationId)).toEqual([]);

    // Failed when re-planned: a human created the access policy while the agent's create waited.
    const agentCreate = await lanes.submit(ACCESS_POLICY, { stateId: 'access-ending', transition: 'create', payload: { owner: 'bots' }, actor: agent, at: at(1) });
    expect(await timersOf(agentCreate.mutationId)).toEqual([timer(agentCreate.mutationId, 'expire', 'access-ending', at(61), 'access-policy')]);
    await lanes.submit(ACCESS_POLICY, { stateId: 'access-ending', transition: 'create', payload: { owner: 'people' }, actor: alice, at: at(2) });
    await lanes.decide(agentCreate.mutationId, at(3), { type: 'ApproveMutation', approver: sec1, decision: 'approve' });
    expect(await mutationRow(agentCreate.mutationId)).toMatchObject({ status: 'failed', outcome: { code: 'state_already_exists' } });
    expect(await timersOf(agentCreate.mutationId)).toEqual([]);
  });

  it('moves the expiry and re-arms the timer when dismissed approvals put a mutation back to pending', async () => {
    await openCustomer('timer-4');
    const { mutationId } = await lanes.submit(CREDIT_LIMIT, { stateId: 'timer-4', transition: 'raiseLimit', payload: { by: 15_000 }, actor: alice, at: at(0) });
    expect(await timersOf(mutationId)).toEqual([timer(mutationId, 'expire', 'timer-4', at(60))]);
    // The worker tried and failed once meanwhile.
    await connection.dataSource.query(`UPDATE timers SET attempts = 2, last_error = 'boom' WHERE mutation_id = $1`, [mutationId]);
    // The limit moves, so the raise now leads to another value than the one approved.
    await lanes.submit(CREDIT_LIMIT, { stateId: 'timer-4', transition: 'setLimit', payload: { amount: 2_000 }, actor: alice, at: at(5) });
    const outcome = await lanes.decide(mutationId, at(20), { type: 'ApproveMutation', approver: rita, decision: 'approve' });
    expect(outcome.kind === 'recorded' && outcome.events.map((event) => event.type)).toEqual(['ApprovalGranted', 'ApprovalsDismissed', 'MutationPending']);

    expect(await timersOf(mutationId)).toEqual([timer(mutationId, 'expire', 'timer-4', at(80))]);
    expect(await mutationRow(mutationId)).toMatchObject({
      status: 'pending',
      expires_at: at(80),
      approvals: [],
      approved_by: [],
      current_step: 0,
      current_step_role: 'risk-officer',
      diff: [{ path: 'limit', kind: 'changed', before: 2_000, after: 17_000 }],
    });
    // The decision stays on record although it no longer counts.
    const decisions = (await connection.dataSource.query('SELECT approver_id, decision FROM approval_decisions WHERE mutation_id = $1', [mutationId])) as unknown[];
    expect(decisions).toEqual([{ approver_id: 'rita', decision: 'approve' }]);
  });
});

describe('approval_decisions', () => {
  it('records every counted approve and reject with who, when, step, role and comment, and nothing for refused or repeated ones', async () => {
    await lanes.submit(ACCESS_POLICY, { stateId: 'access-decisions', transition: 'create', payload: { owner: 'team-1' }, actor: alice, at: at(0) });
    const { mutationId, position } = await lanes.submit(ACCESS_POLICY, { stateId: 'access-decisions', transition: 'setLevel', payload: { level: 4 }, actor: alice, at: at(1) });

    const decide = (minute: number, approver: Actor, decision: 'approve' | 'reject', comment?: string) =>
      lanes.decide(mutationId, at(minute), { type: 'ApproveMutation', approver, decision, ...(comment === undefined ? {} : { comment }) });
    expect(await decide(2, alice, 'approve')).toMatchObject({ kind: 'rejected', error: { code: 'self_approval' } });
    expect(await decide(3, sec1, 'approve', 'ok')).toMatchObject({ kind: 'recorded', status: 'pending' });
    expect(await decide(4, sec1, 'approve')).toMatchObject({ kind: 'unchanged' });
    expect(await decide(5, ciso, 'approve')).toMatchObject({ kind: 'rejected', error: { code: 'approver_role_required' } });
    expect((await mutationRow(mutationId)).current_step).toBe(0);
    expect(await decide(6, sec2, 'approve')).toMatchObject({ kind: 'recorded', status: 'pending' });
    expect(await mutationRow(mutationId)).toMatchObject({ current_step: 1, current_step_role: 'ciso', approved_by: ['sec-1', 'sec-bot'] });
    expect(await decide(7, ciso, 'reject', 'not now')).toMatchObject({ kind: 'recorded', status: 'rejected' });

    await projected();
    const rows = ((await connection.dataSource.query('SELECT * FROM approval_decisions WHERE mutation_id = $1 ORDER BY position', [mutationId])) as Record<string, unknown>[]).map(normalizeRow);
    const row = (offset: number, approver: Actor, step: number, role: string, decision: string, comment: string | null, minute: number) => ({
      mutation_id: mutationId,
      position: position + offset,
      state_type: 'access-policy',
      state_id: 'access-decisions',
      transition: 'setLevel',
      requested_by: 'alice',
      requested_at: at(1),
      approver_id: approver.id,
      approver_kind: approver.kind,
      step,
      role,
      decision,
      comment,
      decided_at: at(minute),
    });
    expect(rows).toEqual([
      row(1, sec1, 0, 'security-officer', 'approve', 'ok', 3),
      row(2, sec2, 0, 'security-officer', 'approve', null, 6),
      row(3, ciso, 1, 'ciso', 'reject', 'not now', 7),
    ]);
    expect(await mutationRow(mutationId)).toMatchObject({
      status: 'rejected',
      outcome: { reason: 'not now', by: 'cyd' },
      finished_at: at(7),
      position: position + 5, // the rejection, then its MutationFinished
      current_step: null,
      current_step_role: null,
      approvals: [
        { approverId: 'sec-1', step: 0, role: 'security-officer', approvedAt: at(3) },
        { approverId: 'sec-bot', step: 0, role: 'security-officer', approvedAt: at(6) },
      ],
    });

    // The timeline shows each step, in order.
    const found = await new PostgresReadModelQueries(connection.dataSource).getMutation(mutationId);
    expect(found?.timeline.map((entry) => [entry.type, entry.at])).toEqual([
      ['MutationRequested', at(1)],
      ['MutationAccepted', at(1)],
      ['MutationPending', at(1)],
      ['ApprovalGranted', at(3)],
      ['ApprovalGranted', at(6)],
      ['ApprovalRejected', at(7)],
      ['MutationRejected', at(7)],
      ['MutationFinished', at(7)],
    ]);
  });
});
