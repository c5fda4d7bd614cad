import type { Admission, Plan, Requirement } from '@countersign/domain';
import type { StoredResponse } from '@countersign/runtime';
import { ApiError, type ErrorCode } from '../http/api-error.js';
import type { SubmitMutationResult } from './submit-mutation/submit-mutation.command.js';

/**
 * A decided mutation (a submit or a revert) as HTTP status and body: 201 applied, 202 pending,
 * 200 dry run, 403/422 recorded denials and failures, the mapped code of a refusal. `extra`
 * fields (e.g. `compensates`) go into every body that names a mutation.
 */
export function answerOf(result: SubmitMutationResult, extra: Record<string, unknown> = {}): StoredResponse {
  switch (result.kind) {
    case 'rejected':
      return refusal(new ApiError(result.error.code as ErrorCode, result.error.message, result.error.details ?? {}));
    case 'planned':
      return { status: 200, body: { dryRun: true, ...describePlan(result.plan, result.plan.requirements), ...extra, stateVersion: result.plan.baseVersion, resultingState: result.plan.after } };
    case 'recorded': {
      if (result.status === 'denied' && result.plan.decision.outcome === 'deny') {
        const { decision } = result.plan;
        return refusal(
          new ApiError(decision.code, decision.reason, { deniedBy: decision.deniedBy, policy: decision.policy ?? null }, {
            mutationId: result.mutationId,
            status: 'denied',
            suggestions: decision.suggestions,
            ...extra,
            position: result.position,
          }),
        );
      }
      return {
        status: result.status === 'applied' ? 201 : 202,
        body: {
          mutationId: result.mutationId,
          status: result.status,
          ...describePlan(result.plan, result.requirements),
          ...extra,
          stateVersion: result.status === 'applied' ? result.stateVersion : null,
          expiresAt: result.expiresAt ?? null,
          position: result.position,
        },
      };
    }
    case 'deferred': {
      if (result.dryRun) {
        return { status: 200, body: { dryRun: true, ...describeAdmission(result.admission, result.requirements), ...extra, stateVersion: result.admission.baseVersion, resultingState: null } };
      }
      if (result.status === 'failed') {
        return refusal(
          new ApiError('dependency_failed', result.failure?.reason ?? 'a dependency ended without being applied', {}, {
            mutationId: result.mutationId,
            status: 'failed',
            position: result.position,
          }),
        );
      }
      return {
        status: 202,
        body: {
          mutationId: result.mutationId,
          status: result.status,
          ...describeAdmission(result.admission, result.requirements),
          ...extra,
          stateVersion: null,
          expiresAt: result.expiresAt ?? null,
          position: result.position,
        },
      };
    }
    default: {
      const unknown: never = result;
      throw new Error(`unknown result ${JSON.stringify(unknown)}`);
    }
  }
}

function refusal(error: ApiError): StoredResponse {
  return { status: error.status, body: error.toBody() };
}

/** The plan as the submit answer shows it. */
export function describePlan(plan: Plan, requirements: Requirement[]) {
  const { decision } = plan;
  return {
    stateType: plan.stateType,
    stateId: plan.stateId,
    transition: plan.transition,
    decision: {
      outcome: decision.outcome,
      policies: decision.policies,
      ...(decision.outcome === 'deny' ? { code: decision.code, reason: decision.reason, suggestions: decision.suggestions } : {}),
    },
    requirements,
    diff: plan.diff,
    planHash: plan.hash,
    classification: plan.classification,
  };
}

/**
 * A mutation admitted without a plan, in the same shape: the decision is `deferred` (nothing is
 * decided until its last dependency applies), no diff and no plan hash yet; the classification
 * is what is known without the state (docs/protocol.md §3).
 */
export function describeAdmission(admission: Admission, requirements: Requirement[]) {
  return {
    stateType: admission.stateType,
    stateId: admission.stateId,
    transition: admission.transition,
    decision: { outcome: 'deferred', policies: [] },
    requirements,
    diff: [],
    planHash: null,
    classification: admission.classification,
  };
}
