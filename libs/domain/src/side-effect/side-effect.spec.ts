import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defineContract, describeContract, type Contract } from '../contract/contract.js';
import type { Policy } from '../policy/policy.js';
import { laneHistory } from '../compensation/lane-history.js';
import { decideRevert } from '../compensation/revert-mutation.js';
import { evolveLane, foldLane } from '../mutation/lane.js';
import type { MutationApplied, MutationEvent } from '../mutation/mutation-events.js';
import { decideSubmit, type SubmitOutcome } from '../mutation/submit-mutation.js';
import { submitCommand, testActor, TEST_NOW, TEST_SUBMIT_OPTIONS } from '../testing/decider-test-kit.js';
import { deliveryIdFor, type SideEffectRequest } from './side-effect.js';
import type { JsonObject } from '../json/json.js';

interface Account {
  owner: string;
  limit: number;
}

function accountContract(options: { badData?: boolean; unregistered?: boolean; policies?: Policy<Account>[] } = {}): Contract<unknown> {
  return defineContract<Account>({
    stateType: 'account',
    stateSchema: { type: 'object', required: ['owner', 'limit'], additionalProperties: false, properties: { owner: { type: 'string' }, limit: { type: 'integer' } } },
    sideEffectTypes: {
      'account.limit-changed': {
        description: 'Tell billing about a new limit.',
        schema: { type: 'object', required: ['owner', 'from', 'to'], additionalProperties: false, properties: { owner: { type: 'string' }, from: { type: 'integer' }, to: { type: 'integer' } } },
        compensation: (data) => {
          const { owner, from, to } = data as { owner: string; from: number; to: number };
          return { type: 'account.limit-changed', data: { owner, from: to, to: from } };
        },
      },
      'account.audited': { schema: { type: 'object', required: ['by'], properties: { by: { type: 'string' } } } },
    },
    transitions: {
      open: {
        creates: true,
        payloadSchema: { type: 'object', required: ['owner'], properties: { owner: { type: 'string' } } },
        effects: ({ payload }: { payload: { owner: string } }) => [{ op: 'set', path: '', value: { owner: payload.owner, limit: 0 } }],
      },
      setLimit: {
        payloadSchema: { type: 'object', required: ['limit'], properties: { limit: { type: 'integer' } } },
        effects: ({ payload }: { payload: { limit: number } }) => [{ op: 'set', path: 'limit', value: payload.limit }],
        reversible: true,
        sideEffects: ({ state, after }): SideEffectRequest[] => {
          if (options.unregistered) return [{ type: 'account.unknown', data: {} }];
          const data: JsonObject = options.badData ? { owner: after.owner } : { owner: after.owner, from: state?.limit ?? 0, to: after.limit };
          return [{ type: 'account.limit-changed', data }];
        },
      },
    },
    policies: options.policies ?? [],
  }) as unknown as Contract<unknown>;
}

function applied(outcome: SubmitOutcome): MutationApplied['data'] {
  if (outcome.kind !== 'recorded') throw new Error(JSON.stringify(outcome));
  return (outcome.events.find((event) => event.type === 'MutationApplied') as MutationApplied).data;
}

function opened(contract: Contract<unknown>): MutationEvent[] {
  const outcome = decideSubmit(submitCommand('open', { owner: 'acme' }, { mutationId: 'open' }), foldLane('account', 'state-1', []), contract, TEST_SUBMIT_OPTIONS);
  return outcome.kind === 'recorded' ? outcome.events : [];
}

describe('typed side effects', () => {
  it('records what a transition emits on its MutationApplied, with delivery ids stable for the mutation', () => {
    const contract = accountContract();
    const lane = foldLane('account', 'state-1', opened(contract));
    const first = applied(decideSubmit(submitCommand('setLimit', { limit: 50 }, { mutationId: 'm1' }), lane, contract, TEST_SUBMIT_OPTIONS));
    const again = applied(decideSubmit(submitCommand('setLimit', { limit: 50 }, { mutationId: 'm1', now: '2031-01-01T00:00:00.000Z' }), lane, contract, TEST_SUBMIT_OPTIONS));
    expect(first.sideEffects).toEqual([{ deliveryId: deliveryIdFor('m1/side-effect/0'), type: 'account.limit-changed', data: { owner: 'acme', from: 0, to: 50 } }]);
    expect(again.sideEffects).toEqual(first.sideEffects);
    expect(applied(decideSubmit(submitCommand('setLimit', { limit: 50 }, { mutationId: 'm2' }), lane, contract, TEST_SUBMIT_OPTIONS)).sideEffects?.[0]?.deliveryId).not.toBe(first.sideEffects?.[0]?.deliveryId);
    // A mutation without side effects records none (its events are as before side effects existed).
    expect(applied(decideSubmit(submitCommand('open', { owner: 'x' }, { mutationId: 'o', stateId: 'new' }), foldLane('account', 'new', []), contract, TEST_SUBMIT_OPTIONS))).not.toHaveProperty('sideEffects');
  });

  it('validates emitted data when emitted: an unregistered type or data off its schema rejects the mutation (invalid_side_effect)', () => {
    for (const [contract, detail] of [
      [accountContract({ unregistered: true }), { type: 'account.unknown' }],
      [accountContract({ badData: true }), { type: 'account.limit-changed', violations: expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining("'from'") })]) }],
    ] as const) {
      const lane = foldLane('account', 'state-1', opened(contract));
      expect(decideSubmit(submitCommand('setLimit', { limit: 5 }), lane, contract, TEST_SUBMIT_OPTIONS)).toMatchObject({ kind: 'rejected', error: { code: 'invalid_side_effect', details: detail } });
    }
  });

  it('adds what policies emit after what the transition emits; a denied mutation emits nothing', () => {
    const audit: Policy<Account> = { name: 'audit', evaluate: ({ actor }) => ({ outcome: 'allow', sideEffects: [{ type: 'account.audited', data: { by: actor.id } }] }) };
    const contract = accountContract({ policies: [audit] });
    const lane = foldLane('account', 'state-1', opened(contract));
    expect(applied(decideSubmit(submitCommand('setLimit', { limit: 5 }), lane, contract, TEST_SUBMIT_OPTIONS)).sideEffects?.map((effect) => effect.type)).toEqual(['account.limit-changed', 'account.audited']);
    const strict = accountContract({ policies: [audit, { name: 'no', evaluate: ({ transition }) => (transition === 'setLimit' ? { outcome: 'deny', reason: 'no' } : { outcome: 'allow' }) }] });
    const denied = decideSubmit(submitCommand('setLimit', { limit: 5 }), foldLane('account', 'state-1', opened(strict)), strict, TEST_SUBMIT_OPTIONS);
    expect(denied).toMatchObject({ kind: 'recorded', status: 'denied' });
    expect(denied.kind === 'recorded' ? denied.plan.sideEffects : 'none').toBeUndefined();
  });

  it('emits the declared compensating side effect when its mutation is compensated, naming the one it undoes', () => {
    const contract = accountContract();
    const events = opened(contract);
    const changed = decideSubmit(submitCommand('setLimit', { limit: 50 }, { mutationId: 'm1' }), foldLane('account', 'state-1', events), contract, TEST_SUBMIT_OPTIONS);
    events.push(...(changed.kind === 'recorded' ? changed.events : []));
    const lane = events.reduce(evolveLane, foldLane('account', 'state-1', []));
    const reverted = decideRevert({ type: 'RevertMutation', mutationId: 'r1', target: 'm1', actor: testActor(), now: TEST_NOW }, lane, laneHistory(events), contract, TEST_SUBMIT_OPTIONS);
    expect(applied(reverted).sideEffects).toEqual([
      { deliveryId: deliveryIdFor(`r1/compensates/${deliveryIdFor('m1/side-effect/0')}`), type: 'account.limit-changed', data: { owner: 'acme', from: 50, to: 0 }, compensates: deliveryIdFor('m1/side-effect/0') },
    ]);
  });

  it('registers types in the contract: names are checked, schemas compiled, and GET /v1/contracts describes them', () => {
    expect(describeContract(accountContract()).sideEffectTypes).toEqual([
      { type: 'account.limit-changed', description: 'Tell billing about a new limit.', schema: expect.any(Object), compensated: true },
      { type: 'account.audited', description: undefined, schema: expect.any(Object), compensated: false },
    ]);
    expect(() =>
      defineContract({
        stateType: 'thing',
        stateSchema: { type: 'object' },
        sideEffectTypes: { 'Not A Type': { schema: {} } },
        transitions: { create: { creates: true, payloadSchema: {}, effects: () => [] } },
      }),
    ).toThrow(/side-effect type "Not A Type"/);
  });

  it('property: delivery ids are uuids, one per name', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(deliveryIdFor(a)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(deliveryIdFor(a) === deliveryIdFor(b)).toBe(a === b);
      }),
    );
  });
});
