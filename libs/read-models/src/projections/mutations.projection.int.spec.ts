import { featureFlagContract } from '@countersign/contracts';
import type { Actor, Contract } from '@countersign/domain';
import { createTestDatabase } from '@countersign/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PostgresReadModelQueries } from '../queries/read-model-queries.js';
import { ProjectionRunner } from '../runner/projection-runner.js';
import { connectReadModels, laneScenario, normalizeRow, type LaneScenario, type ReadModelsConnection } from '../testing/index.js';
import { allProjections } from './all-projections.js';

const FEATURE_FLAG = featureFlagContract as unknown as Contract<unknown>;
const TTL_MS = 60 * 60_000;
const T0 = Date.parse('2030-04-01T09:00:00.000Z');
/** The instant `minutes` after T0. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const alice: Actor = { id: 'alice', kind: 'human', roles: ['engineer'] };
const rhea: Actor = { id: 'rhea', kind: 'human', roles: ['release-manager'] };

let cleanup: () => Promise<void> = async () => undefined;
let connection: ReadModelsConnection;
let runners: ProjectionRunner[];
let lanes: LaneScenario;
let queries: PostgresReadModelQueries;

beforeAll(async () => {
  const database = await createTestDatabase('late_planning_projection');
  connection = await connectReadModels(database.url);
  runners = allProjections.map((projection) => new ProjectionRunner(connection.dataSource, connection.eventStore, projection, { batchSize: 5 }));
  await Promise.all(runners.map((runner) => runner.start()));
  lanes = laneScenario(connection.eventStore, { seed: 909, approvalTtlMs: TTL_MS });
  queries = new PostgresReadModelQueries(connection.dataSource);
  cleanup = async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await connection.close();
    await database.drop();
  };
});

afterAll(() => cleanup());

async function projected(): Promise<void> {
  const head = await connection.eventStore.headPosition();
  const reached = await Promise.all(runners.map((runner) => runner.waitFor(head, 30_000)));
  if (reached.includes(false)) throw new Error(`projections did not reach ${head}`);
}

async function rowOf(mutationId: string): Promise<Record<string, unknown>> {
  await projected();
  const rows = (await connection.dataSource.query('SELECT * FROM mutations WHERE mutation_id = $1', [mutationId])) as Record<string, unknown>[];
  return normalizeRow(rows[0]!);
}

async function rollupsMatchTheRows(): Promise<void> {
  await projected();
  const aggregate = (sql: string) => connection.dataSource.query(sql) as Promise<Record<string, unknown>[]>;
  expect(await aggregate('SELECT day, risk_level, category, status, mutations::int, blast_radius::int FROM risk_rollup_daily ORDER BY 1, 2, 3, 4')).toEqual(
    await aggregate(
      `SELECT date_trunc('day', requested_at, 'UTC') AS day, risk_level, category, status, count(*)::int AS mutations, coalesce(sum(estimated_blast_radius), 0)::int AS blast_radius
       FROM mutations GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    ),
  );
  expect(await aggregate('SELECT state_id, mutations::int, high_or_critical::int, blast_radius::int FROM risk_rollup_state_daily ORDER BY 1')).toEqual(
    await aggregate(
      `SELECT state_id, count(*)::int AS mutations, count(*) FILTER (WHERE risk_level IN ('high', 'critical'))::int AS high_or_critical,
              coalesce(sum(estimated_blast_radius), 0)::int AS blast_radius
       FROM mutations GROUP BY 1 ORDER BY 1`,
    ),
  );
}

/** A disabled flag, and a prod `enable` of it waiting for a release-manager: the dependency. */
async function flagWithPendingEnable(stateId: string): Promise<string> {
  await lanes.submit(FEATURE_FLAG, { stateId, transition: 'create', payload: { owner: 'team-1' }, actor: alice, at: at(0) });
  const enable = await lanes.submit(FEATURE_FLAG, { stateId, transition: 'enable', payload: {}, actor: alice, at: at(1), classification: { tags: ['prod'] } });
  expect(enable.outcome.status).toBe('pending');
  return enable.mutationId;
}

describe('mutations projection, for a mutation planned when its dependency applies', () => {
  it('shows it unplanned while it waits, then the plan, classification and approval round its late planning recorded; the rollups follow', async () => {
    const enable = await flagWithPendingEnable('late-1');
    const rollout = await lanes.submit(FEATURE_FLAG, {
      stateId: 'late-1',
      transition: 'setRollout',
      payload: { percentage: 80 },
      actor: alice,
      at: at(2),
      classification: { tags: ['prod'], estimatedBlastRadius: 4 },
      dependencies: { [enable]: 'pending' },
    });
    expect(rollout.outcome.kind).toBe('deferred');
    expect(await rowOf(rollout.mutationId)).toMatchObject({
      status: 'pending',
      evaluation: { outcome: 'deferred', policies: [] },
      plan_hash: '',
      diff: [],
      risk_level: 'low',
      estimated_blast_radius: 4,
      requirements: [{ kind: 'dependency', mutationIds: [enable] }],
      current_step: null,
    });
    await rollupsMatchTheRows();

    await lanes.decide(enable, at(3), { type: 'ApproveMutation', approver: rhea, decision: 'approve' });
    await projected();
    // The saga's rendezvous learnt the dependency's outcome.
    expect(await connection.dataSource.query('SELECT outcome FROM mutation_dependencies WHERE dependent_id = $1', [rollout.mutationId])).toEqual([{ outcome: 'applied' }]);
    const planned = await lanes.decide(rollout.mutationId, at(4), { type: 'ResolveDependency', dependencyId: enable, outcome: 'applied' });
    expect(planned).toMatchObject({ kind: 'recorded', status: 'pending' });

    // 0 → 80 on a prod flag: the rollout jump needs a release-manager, and the transition classifies it medium.
    const row = await rowOf(rollout.mutationId);
    expect(row).toMatchObject({
      status: 'pending',
      evaluation: { outcome: 'require', policies: expect.arrayContaining([expect.objectContaining({ policy: 'prod-rollout-jump-needs-release-manager', outcome: 'require' })]) },
      plan_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      base_version: 2,
      diff: [{ path: 'rollout', kind: 'changed', before: 0, after: 80 }],
      risk_level: 'medium',
      tags: ['prod'],
      estimated_blast_radius: 4,
      requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
      current_step: 0,
      current_step_role: 'release-manager',
      expires_at: at(4 + 60),
    });
    expect((await queries.pendingApprovals(rhea, { limit: 10 }, new Date(at(5)))).items.map((item) => item.mutationId)).toContain(rollout.mutationId);
    await rollupsMatchTheRows();

    await lanes.decide(rollout.mutationId, at(5), { type: 'ApproveMutation', approver: rhea, decision: 'approve' });
    expect(await rowOf(rollout.mutationId)).toMatchObject({ status: 'applied', state_version: 3, risk_level: 'medium' });
    const record = await queries.getMutation(rollout.mutationId);
    expect(record?.timeline.map((entry) => entry.type)).toEqual([
      'MutationRequested',
      'MutationAccepted',
      'MutationPending',
      'DependencyResolved',
      'MutationPlanned',
      'MutationPending',
      'ApprovalGranted',
      'MutationStarted',
      'MutationApplied',
      'MutationFinished',
    ]);
    await rollupsMatchTheRows();
  });

  it('records a denial decided when the dependency applied: status denied, the guard denial, the plan it was denied on', async () => {
    const enableOther = await flagWithPendingEnable('late-2-other');
    await lanes.submit(FEATURE_FLAG, { stateId: 'late-2', transition: 'create', payload: { owner: 'team-1' }, actor: alice, at: at(0) });
    // Waits for another flag's enable; this flag stays disabled, so its guard denies the rollout once planned.
    const rollout = await lanes.submit(FEATURE_FLAG, { stateId: 'late-2', transition: 'setRollout', payload: { percentage: 30 }, actor: alice, at: at(2), dependencies: { [enableOther]: 'pending' } });
    expect((await rowOf(rollout.mutationId)).status).toBe('pending');
    await lanes.decide(enableOther, at(3), { type: 'ApproveMutation', approver: rhea, decision: 'approve' });
    const denied = await lanes.decide(rollout.mutationId, at(4), { type: 'ResolveDependency', dependencyId: enableOther, outcome: 'applied' });
    expect(denied).toMatchObject({ kind: 'recorded', status: 'denied' });

    expect(await rowOf(rollout.mutationId)).toMatchObject({
      status: 'denied',
      evaluation: { outcome: 'deny' },
      plan_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      denial: { deniedBy: 'guard', code: 'guard_denied', reason: 'a rollout above 0 on a disabled flag has no effect', suggestions: [{ transition: 'enable' }] },
      outcome: { deniedBy: 'guard', code: 'guard_denied' },
      finished_at: at(4),
      current_step: null,
    });
    expect((await queries.getMutation(rollout.mutationId))?.timeline.map((entry) => entry.type)).toEqual([
      'MutationRequested',
      'MutationAccepted',
      'MutationPending',
      'DependencyResolved',
      'MutationPlanned',
      'MutationStarted',
      'MutationDenied',
      'MutationFinished',
    ]);
    expect(await connection.dataSource.query('SELECT * FROM timers WHERE mutation_id = $1', [rollout.mutationId])).toEqual([]);
    expect(await connection.dataSource.query('SELECT * FROM mutation_dependencies WHERE dependent_id = $1', [rollout.mutationId])).toEqual([]);
    await rollupsMatchTheRows();
  });
});
