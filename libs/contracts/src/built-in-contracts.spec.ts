import { describe, expect, it } from '@jest/globals';
import { describeContract, evolveLane, foldLane, initialLaneState, type Contract, type MutationApplied, type SubmitMutation } from '@countersign/domain';
import { runOnLane, submitCommand, TEST_STATE_ID, testActor } from '@countersign/domain/testing';
import fc from 'fast-check';
import { builtInContracts, creditLimitContract, featureFlagContract } from './index.js';

/** True about one time in `n`. */
const sometimes = (n: number) => fc.integer({ min: 1, max: n }).map((roll) => roll === 1);
const rarely = <T>(value: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

const featureFlagChange = fc.oneof(
  { weight: 1, arbitrary: fc.record({ transition: fc.constant('create'), payload: fc.record({ owner: fc.constantFrom('team-a', 'team-b') }) }) },
  { weight: 3, arbitrary: fc.record({ transition: fc.constantFrom('enable', 'disable'), payload: fc.constant({}) }) },
  { weight: 4, arbitrary: fc.record({ transition: fc.constant('setRollout'), payload: fc.record({ percentage: fc.integer({ min: -5, max: 105 }) }) }) },
  { weight: 2, arbitrary: fc.record({ transition: fc.constant('addRule'), payload: fc.record({ rule: fc.record({ id: fc.constantFrom('beta', 'eu'), segment: fc.constant('s') }) }) }) },
  { weight: 2, arbitrary: fc.record({ transition: fc.constant('removeRule'), payload: fc.record({ ruleId: fc.constantFrom('beta', 'eu') }) }) },
);

const creditLimitChange = fc.oneof(
  { weight: 1, arbitrary: fc.record({ transition: fc.constant('open'), payload: fc.record({ customerId: fc.constant('c-1'), currency: fc.constant('EUR'), limit: fc.integer({ min: 0, max: 20_000 }) }) }) },
  { weight: 3, arbitrary: fc.record({ transition: fc.constant('setLimit'), payload: fc.record({ amount: fc.integer({ min: -1, max: 30_000 }) }) }) },
  { weight: 3, arbitrary: fc.record({ transition: fc.constant('raiseLimit'), payload: fc.record({ by: fc.integer({ min: 0, max: 12_000 }) }) }) },
  { weight: 1, arbitrary: fc.record({ transition: fc.constant('raiseLimit'), payload: fc.record({ by: fc.integer({ min: 10_000, max: 200_000 }) }) }) },
);

/** Random submits against one lane, mostly after a valid creating submit, some stale, some dry runs, some by agents or tagged prod. */
function submitsFor(creating: SubmitMutation, change: fc.Arbitrary<{ transition: string; payload: object }>): fc.Arbitrary<SubmitMutation[]> {
  const submit = fc.record({ change, agent: sometimes(5), dryRun: sometimes(6), prod: fc.boolean(), expectedVersion: rarely(fc.nat({ max: 10 })) });
  return fc.tuple(sometimes(8), fc.array(submit, { maxLength: 30 })).map(([skipCreate, submits]) => [
    ...(skipCreate ? [] : [{ ...creating, mutationId: 'm-0' }]),
    ...submits.map(({ change: { transition, payload }, agent, dryRun, prod, expectedVersion }, index) =>
      submitCommand(transition, payload as SubmitMutation['payload'], {
        mutationId: `m-${index + 1}`,
        actor: testActor({ kind: agent ? 'agent' : 'human' }),
        classification: prod ? { tags: ['prod'] } : {},
        dryRun,
        expectedVersion,
      }),
    ),
  ]);
}

const lanes = [
  { contract: featureFlagContract as Contract<unknown>, submits: submitsFor(submitCommand('create', { owner: 'team-a' }), featureFlagChange) },
  { contract: creditLimitContract as Contract<unknown>, submits: submitsFor(submitCommand('open', { customerId: 'c-1', currency: 'EUR' }), creditLimitChange) },
];

describe('builtInContracts', () => {
  it('ships the feature-flag and credit-limit contracts', () => {
    expect(builtInContracts.map((contract) => contract.stateType)).toEqual(['feature-flag', 'credit-limit']);
  });

  it.each(builtInContracts.map((contract) => [contract.stateType, contract] as const))('describes %s as plain JSON with its transitions and policies', (_, contract) => {
    const description = describeContract(contract);
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    expect(description.transitions.filter((transition) => transition.creates)).toHaveLength(1);
    expect(description.policies.length).toBeGreaterThan(0);
  });
});

describe.each(lanes.map(({ contract, submits }) => [contract.stateType, contract, submits] as const))('a %s lane under random submits', (_, contract, submits) => {
  it('numbers applied changes 1, 2, 3 … and ends at the number of applied changes', () => {
    fc.assert(
      fc.property(submits, (commands) => {
        const run = runOnLane(contract, commands);
        const versions = run.events.filter((event): event is MutationApplied => event.type === 'MutationApplied').map((event) => event.data.version);
        expect(versions).toEqual(versions.map((_version, index) => index + 1));
        expect(run.lane.version).toBe(versions.length);
      }),
      { numRuns: 150 },
    );
  });

  it('moves the version by one for an applied change and not at all otherwise', () => {
    fc.assert(
      fc.property(submits, (commands) => {
        const run = runOnLane(contract, commands);
        let lane = initialLaneState(contract.stateType, TEST_STATE_ID);
        for (const outcome of run.outcomes) {
          if (outcome.kind !== 'recorded') continue;
          const before = lane.version;
          lane = outcome.events.reduce(evolveLane, lane);
          expect(lane.version - before).toBe(outcome.status === 'applied' ? 1 : 0);
          expect(outcome.version).toBe(lane.version);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('replays its recorded events to the same lane as the one evolved live', () => {
    fc.assert(
      fc.property(submits, (commands) => {
        const run = runOnLane(contract, commands);
        expect(foldLane(contract.stateType, TEST_STATE_ID, run.events)).toEqual(run.lane);
      }),
      { numRuns: 150 },
    );
  });

  it('only ever holds documents that satisfy the state schema', () => {
    fc.assert(
      fc.property(submits, (commands) => {
        const { lane } = runOnLane(contract, commands);
        expect(lane.exists ? contract.validateState(lane.document) : []).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
