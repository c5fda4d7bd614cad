import { defineContract, type Contract, type Policy } from '@countersign/domain';

/** State of the seeder's third contract: an access level that may be locked. */
export interface AccessPolicy {
  owner: string;
  level: number;
  locked: boolean;
}

export const ACCESS_LEVEL_NEEDING_APPROVAL = 3;
export const ACCESS_LEVEL_NEEDING_TWO_STEPS = 4;
export const COMPLIANCE_SCAN = 'compliance-scan';
export const CHANGE_TICKET = 'change-ticket';

/** Level 3 needs a security-officer; level 4 and up two distinct security-officers, then a ciso. */
const levelApproval: Policy<AccessPolicy> = {
  name: 'access-level-approval',
  evaluate({ transition, after }) {
    if (transition !== 'setLevel' || after.level < ACCESS_LEVEL_NEEDING_APPROVAL) return { outcome: 'allow' };
    const steps =
      after.level >= ACCESS_LEVEL_NEEDING_TWO_STEPS
        ? [
            { role: 'security-officer', count: 2 },
            { role: 'ciso', count: 1 },
          ]
        : [{ role: 'security-officer', count: 1 }];
    return { outcome: 'require', reason: `access level ${after.level}`, requirements: [{ kind: 'approval', steps }] };
  },
};

/** Locking waits for two external checks. */
const lockChecks: Policy<AccessPolicy> = {
  name: 'lock-needs-checks',
  evaluate: ({ transition }) =>
    transition === 'lock'
      ? {
          outcome: 'require',
          requirements: [
            { kind: 'external_check', name: COMPLIANCE_SCAN, role: 'compliance' },
            { kind: 'external_check', name: CHANGE_TICKET, role: 'change-manager' },
          ],
        }
      : { outcome: 'allow' },
};

/** A create by an agent or a service needs a security-officer, so a human's create can overtake it (its re-plan then fails). */
const machineCreates: Policy<AccessPolicy> = {
  name: 'machine-creates-need-approval',
  evaluate: ({ transition, actor }) =>
    transition === 'create' && actor.kind !== 'human'
      ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'security-officer', count: 1 }] }] }
      : { outcome: 'allow' },
};

/**
 * A small contract of the read-model test kit whose policies reach what the built-in contracts
 * do not: external checks, a step needing two approvers, and a create that can fail on re-plan.
 */
export const accessPolicyContract: Contract<AccessPolicy> = defineContract<AccessPolicy>({
  stateType: 'access-policy',
  description: 'An access level (0-5) that can be locked.',
  stateSchema: {
    type: 'object',
    required: ['owner', 'level', 'locked'],
    additionalProperties: false,
    properties: { owner: { type: 'string', minLength: 1 }, level: { type: 'integer', minimum: 0, maximum: 5 }, locked: { type: 'boolean' } },
  },
  classification: { category: 'access', riskLevel: 'medium', sideEffectSeverity: 'low' },
  transitions: {
    create: {
      creates: true,
      payloadSchema: { type: 'object', required: ['owner'], additionalProperties: false, properties: { owner: { type: 'string', minLength: 1 } } },
      effects: ({ payload }: { payload: { owner: string } }) => [{ op: 'set', path: '', value: { owner: payload.owner, level: 0, locked: false } }],
    },
    setLevel: {
      payloadSchema: { type: 'object', required: ['level'], additionalProperties: false, properties: { level: { type: 'integer', minimum: 0, maximum: 5 } } },
      effects: ({ payload }: { payload: { level: number } }) => [{ op: 'set', path: 'level', value: payload.level }],
      guards: [({ state }) => (state?.locked ? { message: 'the access policy is locked' } : undefined)],
      reversible: true,
    },
    lock: {
      payloadSchema: { type: 'object', additionalProperties: false, properties: {} },
      effects: () => [{ op: 'set', path: 'locked', value: true }],
      classification: { riskLevel: 'high' },
    },
    unlock: {
      payloadSchema: { type: 'object', additionalProperties: false, properties: {} },
      effects: () => [{ op: 'set', path: 'locked', value: false }],
    },
  },
  policies: [machineCreates, levelApproval, lockChecks],
});
