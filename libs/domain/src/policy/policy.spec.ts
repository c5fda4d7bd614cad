import { describe, expect, it } from '@jest/globals';
import type { JsonValue } from '../json/json.js';
import { testActor } from '../testing/decider-test-kit.js';
import { allOf, anyOf, evaluatePolicies, firstMatch, type ApprovalStep, type Policy, type PolicyInput, type Requirement } from './policy.js';

const input: PolicyInput = {
  stateType: 'tenant-quota',
  stateId: 'acme',
  transition: 'setLimit',
  payload: { name: 'storage', value: 10 },
  actor: testActor(),
  before: { limits: {} },
  after: { limits: { storage: 10 } },
  diff: [{ path: 'limits.storage', kind: 'added', after: 10 }],
  classification: { category: 'quota', riskLevel: 'low', sideEffectSeverity: 'none', tags: [], metadata: {}, estimatedBlastRadius: 1 },
  version: 3,
};

function allowing(name: string): Policy {
  return { name, evaluate: () => ({ outcome: 'allow' }) };
}

function denying(name: string, reason = `${name} says no`): Policy {
  return { name, evaluate: () => ({ outcome: 'deny', reason }) };
}

function requiringApproval(name: string, steps: ApprovalStep[], expiresInMs?: number): Policy {
  return { name, evaluate: () => ({ outcome: 'require', reason: `${name} wants approval`, requirements: [{ kind: 'approval', steps }], expiresInMs }) };
}

function requiring(name: string, requirement: Requirement): Policy {
  return { name, evaluate: () => ({ outcome: 'require', requirements: [requirement] }) };
}

/** A policy that fails the test if it is ever asked. */
function neverAsked(name: string): Policy {
  return {
    name,
    evaluate: () => {
      throw new Error(`${name} should not have been evaluated`);
    },
  };
}

describe('evaluatePolicies', () => {
  it('allows when there are no policies', () => {
    expect(evaluatePolicies([], input)).toEqual({ outcome: 'allow', policies: [] });
  });

  it('allows when every policy allows and records each outcome in order', () => {
    expect(evaluatePolicies([allowing('p1'), allowing('p2')], input)).toEqual({
      outcome: 'allow',
      policies: [
        { policy: 'p1', outcome: 'allow' },
        { policy: 'p2', outcome: 'allow' },
      ],
    });
  });

  it('lets the first deny win and stops evaluating', () => {
    const decision = evaluatePolicies([allowing('p1'), requiringApproval('p2', [{ role: 'admin', count: 1 }]), denying('p3'), denying('p4'), neverAsked('p5')], input);
    expect(decision).toEqual({
      outcome: 'deny',
      deniedBy: 'policy',
      code: 'policy_denied',
      reason: 'p3 says no',
      policy: 'p3',
      suggestions: [],
      policies: [
        { policy: 'p1', outcome: 'allow' },
        { policy: 'p2', outcome: 'require', reason: 'p2 wants approval' },
        { policy: 'p3', outcome: 'deny', reason: 'p3 says no' },
      ],
    });
  });

  it('chains approval steps of several policies into one approval requirement, in policy order', () => {
    const decision = evaluatePolicies(
      [
        requiringApproval('risk', [{ role: 'risk-officer', count: 1 }]),
        allowing('open'),
        requiringApproval('finance', [
          { role: 'cfo', count: 1 },
          { role: 'controller', count: 2 },
        ]),
      ],
      input,
    );
    expect(decision.outcome).toBe('require');
    if (decision.outcome !== 'require') return;
    expect(decision.requirements).toEqual([
      {
        kind: 'approval',
        steps: [
          { role: 'risk-officer', count: 1 },
          { role: 'cfo', count: 1 },
          { role: 'controller', count: 2 },
        ],
      },
    ]);
    expect(decision.policies.map((outcome) => outcome.outcome)).toEqual(['require', 'allow', 'require']);
  });

  it('puts the approval requirement first and keeps other requirements in policy order', () => {
    const decision = evaluatePolicies(
      [
        requiring('scan', { kind: 'external_check', name: 'security-scan', role: 'scanner' }),
        requiringApproval('owner', [{ role: 'owner', count: 1 }]),
        requiring('window', { kind: 'schedule', notBefore: '2030-02-01T00:00:00.000Z' }),
      ],
      input,
    );
    expect(decision).toMatchObject({
      outcome: 'require',
      requirements: [
        { kind: 'approval', steps: [{ role: 'owner', count: 1 }] },
        { kind: 'external_check', name: 'security-scan', role: 'scanner' },
        { kind: 'schedule', notBefore: '2030-02-01T00:00:00.000Z' },
      ],
    });
  });

  it('takes the shortest expiry any requiring policy asks for', () => {
    const decision = evaluatePolicies(
      [
        requiringApproval('a', [{ role: 'x', count: 1 }], 60_000),
        requiringApproval('b', [{ role: 'y', count: 1 }]),
        requiringApproval('c', [{ role: 'z', count: 1 }], 30_000),
      ],
      input,
    );
    expect(decision).toMatchObject({ outcome: 'require', expiresInMs: 30_000 });
  });

  it('leaves the expiry open when no policy asks for one', () => {
    const decision = evaluatePolicies([requiringApproval('a', [{ role: 'x', count: 1 }])], input);
    expect(decision.outcome).toBe('require');
    expect(decision).not.toHaveProperty('expiresInMs');
  });

  it('denies even when an earlier policy required approval', () => {
    expect(evaluatePolicies([requiringApproval('a', [{ role: 'x', count: 1 }]), denying('b')], input).outcome).toBe('deny');
  });

  it('hands every policy the same input', () => {
    const seen: PolicyInput<JsonValue>[] = [];
    const recording: Policy = {
      name: 'recording',
      evaluate: (received) => {
        seen.push(received);
        return { outcome: 'allow' };
      },
    };
    evaluatePolicies([recording, recording], input);
    expect(seen).toEqual([input, input]);
  });
});

describe('allOf', () => {
  it('allows only when every member allows', () => {
    expect(allOf('all', [allowing('a'), allowing('b')]).evaluate(input)).toEqual({ outcome: 'allow' });
  });

  it('denies with the reason of the first member that denies', () => {
    expect(allOf('all', [allowing('a'), denying('b', 'no b'), denying('c', 'no c')]).evaluate(input)).toEqual({ outcome: 'deny', reason: 'no b' });
  });

  it('accumulates the requirements of its members, so nested groups chain approval steps', () => {
    const nested = allOf('outer', [
      requiringApproval('first', [{ role: 'lead', count: 1 }]),
      allOf('inner', [requiringApproval('second', [{ role: 'security', count: 2 }], 5_000)]),
    ]);
    expect(nested.evaluate(input)).toEqual({
      outcome: 'require',
      requirements: [
        {
          kind: 'approval',
          steps: [
            { role: 'lead', count: 1 },
            { role: 'security', count: 2 },
          ],
        },
      ],
      expiresInMs: 5_000,
    });
  });

  it('is reported under its own name by evaluatePolicies', () => {
    const decision = evaluatePolicies([allOf('group', [denying('member', 'member says no')])], input);
    expect(decision).toMatchObject({ outcome: 'deny', policy: 'group', reason: 'member says no' });
  });
});

describe('anyOf', () => {
  it('allows when at least one member allows, even if others deny or require', () => {
    expect(anyOf('any', [denying('a'), requiringApproval('b', [{ role: 'x', count: 1 }]), allowing('c')]).evaluate(input)).toEqual({ outcome: 'allow' });
  });

  it('falls back to the first member that requires something when none allows', () => {
    const verdict = anyOf('any', [denying('a'), requiringApproval('b', [{ role: 'first', count: 1 }]), requiringApproval('c', [{ role: 'second', count: 1 }])]).evaluate(input);
    expect(verdict).toMatchObject({ outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'first', count: 1 }] }] });
  });

  it('denies with every reason joined when all members deny', () => {
    expect(anyOf('any', [denying('a', 'not a'), denying('b', 'not b')]).evaluate(input)).toEqual({ outcome: 'deny', reason: 'not a; not b' });
  });

  it('denies with its own name when it has no members', () => {
    expect(anyOf('empty', []).evaluate(input)).toEqual({ outcome: 'deny', reason: 'empty: no policy allowed' });
  });
});

describe('firstMatch', () => {
  it('lets the first member that does not allow decide and asks no further', () => {
    const policy = firstMatch('priority', [allowing('a'), requiringApproval('b', [{ role: 'x', count: 1 }]), neverAsked('c')]);
    expect(policy.evaluate(input)).toMatchObject({ outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'x', count: 1 }] }] });
  });

  it('denies when the first non-allowing member denies, even if a later one would require', () => {
    expect(firstMatch('priority', [denying('a', 'blocked'), neverAsked('b')]).evaluate(input)).toEqual({ outcome: 'deny', reason: 'blocked' });
  });

  it('allows when every member allows', () => {
    expect(firstMatch('priority', [allowing('a'), allowing('b')]).evaluate(input)).toEqual({ outcome: 'allow' });
  });
});
