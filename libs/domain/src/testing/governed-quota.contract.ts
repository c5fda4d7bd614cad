import type { Actor } from '../contract/classification.js';
import type { Contract } from '../contract/contract.js';
import type { DiffEntry } from '../json/diff.js';
import type { Policy } from '../policy/policy.js';
import { testActor } from './decider-test-kit.js';
import { defineQuotaContract, type Quota } from './quota.contract.js';

export const QUOTA_ADMIN = 'quota-admin';
export const CFO = 'cfo';
export const COMPLIANCE = 'compliance';
export const CHANGE_MANAGER = 'change-manager';

/** A limit set above this needs one quota-admin. */
export const ONE_APPROVAL_ABOVE = 1_000;
/** A limit set above this needs two distinct quota-admins, then a cfo. */
export const TWO_STEPS_ABOVE = 100_000;

export const COMPLIANCE_SCAN = 'compliance-scan';
export const CHANGE_TICKET = 'change-ticket';

/** The largest value a change gives to any limit (0 when it sets none): requirements bind to new values, not to other limits. */
export function largestNewLimit(diff: readonly DiffEntry[]): number {
  const values = diff.filter((entry) => entry.path.startsWith('limits.') && typeof entry.after === 'number').map((entry) => entry.after as number);
  return Math.max(0, ...values);
}

export const limitApproval: Policy<Quota> = {
  name: 'limit-approval',
  description: `A limit above ${ONE_APPROVAL_ABOVE} needs a quota-admin; above ${TWO_STEPS_ABOVE} two quota-admins, then a cfo.`,
  evaluate({ diff }) {
    const largest = largestNewLimit(diff);
    if (largest > TWO_STEPS_ABOVE) {
      return {
        outcome: 'require',
        reason: `a limit of ${largest}`,
        requirements: [
          {
            kind: 'approval',
            steps: [
              { role: QUOTA_ADMIN, count: 2 },
              { role: CFO, count: 1 },
            ],
          },
        ],
      };
    }
    if (largest > ONE_APPROVAL_ABOVE) return { outcome: 'require', reason: `a limit of ${largest}`, requirements: [{ kind: 'approval', steps: [{ role: QUOTA_ADMIN, count: 1 }] }] };
    return { outcome: 'allow' };
  },
};

export const freezeChecks: Policy<Quota> = {
  name: 'freeze-checks',
  description: 'Freezing a quota waits for a compliance scan and a change ticket.',
  evaluate: ({ transition }) =>
    transition === 'freeze'
      ? {
          outcome: 'require',
          requirements: [
            { kind: 'external_check', name: COMPLIANCE_SCAN, role: COMPLIANCE },
            { kind: 'external_check', name: CHANGE_TICKET, role: CHANGE_MANAGER },
          ],
        }
      : { outcome: 'allow' },
};

export const agentCreatesNeedApproval: Policy<Quota> = {
  name: 'agent-creates-need-approval',
  description: 'A quota created by an agent needs a quota-admin.',
  evaluate: ({ transition, actor }) =>
    transition === 'create' && actor.kind === 'agent' ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: QUOTA_ADMIN, count: 1 }] }] } : { outcome: 'allow' },
};

/**
 * The quota contract with governance: approval chains on large limits, external checks on
 * freeze, approval of agent-created quotas; `extra` policies come after these.
 */
export function defineGovernedQuotaContract(extra: Policy<Quota>[] = []): Contract<Quota> {
  return defineQuotaContract([limitApproval, freezeChecks, agentCreatesNeedApproval, ...extra]);
}

/** A human principal with the given roles. */
export function principal(id: string, ...roles: string[]): Actor {
  return testActor({ id, roles });
}
