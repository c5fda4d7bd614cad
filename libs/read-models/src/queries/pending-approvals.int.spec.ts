import { creditLimitContract } from '@countersign/contracts';
import type { Actor, Contract } from '@countersign/domain';
import { createTestDatabase } from '@countersign/persistence/testing';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { allProjections } from '../projections/all-projections.js';
import { ProjectionRunner } from '../runner/projection-runner.js';
import { accessPolicyContract, connectReadModels, laneScenario, type LaneScenario, type ReadModelsConnection } from '../testing/index.js';
import { encodeCursor, InvalidQueryError } from './cursor.js';
import { PostgresReadModelQueries } from './read-model-queries.js';
import type { PendingApproval, ReadModelQueries } from './read-model-queries.port.js';

const CREDIT_LIMIT = creditLimitContract as unknown as Contract<unknown>;
const ACCESS_POLICY = accessPolicyContract as unknown as Contract<unknown>;
const TTL_MS = 60 * 60_000;
const T0 = Date.parse('2030-04-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const human = (id: string, ...roles: string[]): Actor => ({ id, kind: 'human', roles });
const alice = human('alice', 'engineer');
const rita = human('rita', 'risk-officer');
const rob = human('rob', 'risk-officer');
const carl = human('carl', 'cfo');
const dora = human('dora', 'risk-officer', 'cfo');
const sec1 = human('sec-1', 'security-officer');
const sec2 = human('sec-2', 'security-officer');
const cyd = human('cyd', 'ciso');
const compliance = human('cora', 'compliance');

let cleanup: () => Promise<void> = async () => undefined;
let queries: ReadModelQueries;
/** Every mutation of the scenario that may show up in someone's queue: id, expiry and who may approve it now. */
const waiting: { mutationId: string; expiresAt: string; role: string; requester: string; approvedBy: string[] }[] = [];
const ids: Record<string, string> = {};

/**
 * Credit-limit raises waiting for a risk-officer (one requested by a risk-officer, two with the
 * same expiry), one waiting for a cfo after its risk-officer approved, an access level waiting
 * for its second security-officer, a lock waiting only for external checks, and mutations that
 * ended (applied, rejected, expired).
 */
async function setUp(connection: ReadModelsConnection, lanes: LaneScenario): Promise<void> {
  let customers = 0;
  const raise = async (name: string, by: number, actor: Actor, minute: number, options: { notBefore?: string } = {}) => {
    customers += 1;
    const stateId = `customer-${customers}`;
    await lanes.submit(CREDIT_LIMIT, { stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR', limit: 1_000 }, actor: alice, at: at(0) });
    const { mutationId, outcome } = await lanes.submit(CREDIT_LIMIT, { stateId, transition: 'raiseLimit', payload: { by }, actor, at: at(minute), reason: `raise ${name}`, ...options });
    ids[name] = mutationId;
    return { mutationId, expiresAt: outcome.expiresAt as string };
  };
  // Requested out of expiry order; r2 and r3 share their expiry, so the id breaks the tie.
  for (const [name, minute] of [['r1', 9], ['r2', 3], ['r3', 3], ['r4', 12], ['r5', 1]] as const) {
    waiting.push({ ...(await raise(name, 15_000, alice, minute)), role: 'risk-officer', requester: 'alice', approvedBy: [] });
  }
  waiting.push({ ...(await raise('own', 15_000, rita, 4)), role: 'risk-officer', requester: 'rita', approvedBy: [] });
  waiting.push({ ...(await raise('scheduled', 15_000, alice, 2, { notBefore: at(30) })), role: 'risk-officer', requester: 'alice', approvedBy: [] });

  const big = await raise('big', 150_000, alice, 5);
  await lanes.decide(big.mutationId, at(6), { type: 'ApproveMutation', approver: rita, decision: 'approve', comment: 'fine by risk' });
  waiting.push({ ...big, role: 'cfo', requester: 'alice', approvedBy: ['rita'] });

  await lanes.submit(ACCESS_POLICY, { stateId: 'access-1', transition: 'create', payload: { owner: 'team-1' }, actor: alice, at: at(0) });
  const level = await lanes.submit(ACCESS_POLICY, { stateId: 'access-1', transition: 'setLevel', payload: { level: 5 }, actor: alice, at: at(7) });
  ids.level = level.mutationId;
  await lanes.decide(level.mutationId, at(8), { type: 'ApproveMutation', approver: sec1, decision: 'approve' });
  waiting.push({ mutationId: level.mutationId, expiresAt: level.outcome.expiresAt as string, role: 'security-officer', requester: 'alice', approvedBy: ['sec-1'] });

  // Waiting, but for nobody's approval.
  await lanes.submit(ACCESS_POLICY, { stateId: 'access-2', transition: 'create', payload: { owner: 'team-2' }, actor: alice, at: at(0) });
  ids.lock = (await lanes.submit(ACCESS_POLICY, { stateId: 'access-2', transition: 'lock', payload: {}, actor: alice, at: at(2) })).mutationId;

  // Over.
  const applied = await raise('applied', 15_000, alice, 2);
  await lanes.decide(applied.mutationId, at(3), { type: 'ApproveMutation', approver: rob, decision: 'approve' });
  const rejected = await raise('rejected', 15_000, alice, 2);
  await lanes.decide(rejected.mutationId, at(3), { type: 'ApproveMutation', approver: rob, decision: 'reject' });
  const expired = await raise('expired', 15_000, alice, 0);
  await lanes.decide(expired.mutationId, at(60), { type: 'ExpireMutation' });

  const runners = allProjections.map((projection) => new ProjectionRunner(connection.dataSource, connection.eventStore, projection));
  await Promise.all(runners.map((runner) => runner.start()));
  const head = await connection.eventStore.headPosition();
  const reached = await Promise.all(runners.map((runner) => runner.waitFor(head, PATIENT_WAIT_MS)));
  await Promise.all(runners.map((runner) => runner.stop()));
  if (reached.includes(false)) throw new Error('projections did not catch up');
}

beforeAll(async () => {
  const database = await createTestDatabase('pending_approvals');
  const connection = await connectReadModels(database.url);
  cleanup = async () => {
    await connection.close();
    await database.drop();
  };
  await setUp(connection, laneScenario(connection.eventStore, { seed: 77, approvalTtlMs: TTL_MS }));
  queries = new PostgresReadModelQueries(connection.dataSource);
});

afterAll(() => cleanup());

/** What `principal` should see at `now`, computed from the scenario: most urgent first, ties by id. */
function expectedFor(principal: Actor, now: Date): string[] {
  return waiting
    .filter((entry) => principal.roles.includes(entry.role) && entry.requester !== principal.id && !entry.approvedBy.includes(principal.id) && Date.parse(entry.expiresAt) > now.getTime())
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.mutationId.localeCompare(b.mutationId))
    .map((entry) => entry.mutationId);
}

async function walk(principal: Actor, now: Date, limit: number): Promise<PendingApproval[]> {
  const items: PendingApproval[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await queries.pendingApprovals(principal, { limit, ...(cursor === undefined ? {} : { cursor }) }, now);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    expect(page.items).toHaveLength(limit);
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

describe('ReadModelQueries.pendingApprovals', () => {
  const now = new Date(at(20));

  it('lists, for each principal, the mutations whose current step needs one of its roles, except its own and those it approved', async () => {
    const seen: Record<string, string[]> = {};
    for (const principal of [alice, rita, rob, carl, dora, sec1, sec2, cyd, compliance]) {
      const listed = (await walk(principal, now, 100)).map((item) => item.mutationId);
      expect({ principal: principal.id, listed }).toEqual({ principal: principal.id, listed: expectedFor(principal, now) });
      seen[principal.id] = listed;
    }
    // Spelled out, so the expectation above is not vacuous.
    const name = (mutationId: string) => Object.entries(ids).find(([, id]) => id === mutationId)?.[0];
    const sameExpiry = [ids.r2!, ids.r3!].sort();
    expect(seen.rob).toEqual([ids.r5, ...sameExpiry, ids.own, ids.r1, ids.r4, ids.scheduled]);
    expect(seen.rita?.map(name)).not.toContain('own');
    expect(seen.carl?.map(name)).toEqual(['big']);
    expect(seen.dora).toHaveLength(8);
    expect(seen['sec-1']).toEqual([]);
    expect(seen['sec-2']?.map(name)).toEqual(['level']);
    expect(seen.cyd).toEqual([]);
    expect(seen.cora).toEqual([]);
    expect(seen.alice).toEqual([]);
  });

  it('returns the requirements, the step waiting, the approvals so far and the time left', async () => {
    const [item] = (await queries.pendingApprovals(carl, { limit: 10 }, now)).items;
    const big = waiting.find((entry) => entry.mutationId === ids.big)!;
    expect(item).toEqual({
      mutationId: ids.big,
      stateType: 'credit-limit',
      stateId: expect.stringMatching(/^customer-/),
      transition: 'raiseLimit',
      requestedBy: { id: 'alice', kind: 'human' },
      reason: 'raise big',
      riskLevel: 'critical',
      category: 'credit',
      tags: [],
      payload: { by: 150_000 },
      diff: [{ path: 'limit', kind: 'changed', before: 1_000, after: 151_000 }],
      requirements: [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }, { role: 'cfo', count: 1 }] }],
      currentStep: { index: 1, role: 'cfo' },
      approvals: [{ approverId: 'rita', step: 0, role: 'risk-officer', approvedAt: at(6) }],
      requestedAt: at(5),
      expiresAt: big.expiresAt,
      timeLeftMs: Date.parse(big.expiresAt) - now.getTime(),
    });
    expect(item?.timeLeftMs).toBe(45 * 60_000);
    // A step that needs two approvers stays current until the second one.
    const [level] = (await queries.pendingApprovals(sec2, { limit: 10 }, now)).items;
    expect(level).toMatchObject({ currentStep: { index: 0, role: 'security-officer' }, approvals: [{ approverId: 'sec-1', step: 0 }] });
  });

  it('leaves out what expired, even before its expiry timer fired', async () => {
    const later = new Date(at(63.5));
    const listed = (await walk(rob, later, 100)).map((item) => item.mutationId);
    expect(listed).toEqual(expectedFor(rob, later));
    // r5 (requested at 1) and r2/r3 (at 3) are past their expiry; own (at 4) has 30 s left.
    expect(listed).toHaveLength(4);
    expect(listed).not.toContain(ids.r5);
    for (const item of await walk(rob, later, 100)) expect(item.timeLeftMs).toBe(Date.parse(item.expiresAt) - later.getTime());
  });

  it('pages through the queue in the same order with any page size', async () => {
    const all = expectedFor(dora, now);
    for (const limit of [1, 2, 3, 7, 8, 9]) {
      expect({ limit, ids: (await walk(dora, now, limit)).map((item) => item.mutationId) }).toEqual({ limit, ids: all });
    }
  });

  it('rejects a cursor it did not hand out as an invalid cursor parameter', async () => {
    const tampered = [
      'not a cursor',
      encodeCursor(['2030-04-01T09:00:00.000Z']),
      encodeCursor([1, '6a3e8d35-5c35-4f43-9f0e-2f1f1d5b7c11']),
      encodeCursor(['2030-02-31T00:00:00.000Z', '6a3e8d35-5c35-4f43-9f0e-2f1f1d5b7c11']),
      encodeCursor(['April 1, 2030', '6a3e8d35-5c35-4f43-9f0e-2f1f1d5b7c11']),
      encodeCursor(['2030-04-01T09:00:00.000Z', '------------------------------------']),
    ];
    for (const cursor of tampered) {
      const failure = await queries.pendingApprovals(rob, { limit: 5, cursor }, now).then(
        () => 'accepted',
        (error: unknown) => error,
      );
      expect({ cursor, failure }).toEqual({ cursor, failure: expect.any(InvalidQueryError) });
      expect({ cursor, parameter: (failure as InvalidQueryError).parameter }).toEqual({ cursor, parameter: 'cursor' });
    }
  });
});

describe('ReadModelQueries.locateMutation', () => {
  it('finds the lane and projected status of a mutation, and nothing for an unknown id', async () => {
    expect(await queries.locateMutation(ids.big!)).toEqual({ stateType: 'credit-limit', stateId: expect.stringMatching(/^customer-/), status: 'pending' });
    expect(await queries.locateMutation(ids.rejected!)).toEqual({ stateType: 'credit-limit', stateId: expect.stringMatching(/^customer-/), status: 'rejected' });
    expect(await queries.locateMutation(ids.expired!)).toMatchObject({ status: 'expired' });
    expect(await queries.locateMutation(ids.applied!)).toMatchObject({ status: 'applied' });
    expect(await queries.locateMutation(ids.lock!)).toEqual({ stateType: 'access-policy', stateId: 'access-2', status: 'pending' });
    expect(await queries.locateMutation('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
