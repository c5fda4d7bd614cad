import type { ApprovalStep, Requirement } from '../policy/policy.js';
import type { PendingMutation } from './lane.js';
import type { ApprovalRecord } from './mutation-events.js';

/** All approval steps of a mutation, in order (policies' steps are already chained). */
export function approvalSteps(requirements: readonly Requirement[]): ApprovalStep[] {
  return requirements.flatMap((requirement) => (requirement.kind === 'approval' ? requirement.steps : []));
}

export interface CurrentStep {
  index: number;
  role: string;
  count: number;
  approvedBy: string[];
}

/** The first approval step not yet fully approved; undefined when every step is done. */
export function currentApprovalStep(requirements: readonly Requirement[], approvals: readonly ApprovalRecord[]): CurrentStep | undefined {
  const steps = approvalSteps(requirements);
  for (let index = 0; index < steps.length; index += 1) {
    const step = steps[index] as ApprovalStep;
    const approvedBy = approvals.filter((approval) => approval.step === index).map((approval) => approval.approverId);
    if (approvedBy.length < step.count) return { index, role: step.role, count: step.count, approvedBy };
  }
  return undefined;
}

/** What a pending mutation still waits for, as requirement kinds with details. */
export type OpenRequirement =
  | { kind: 'approval'; step: number; role: string; remaining: number }
  | { kind: 'external_check'; name: string; role: string }
  | { kind: 'schedule'; notBefore: string }
  | { kind: 'dependency'; mutationIds: string[]; timeoutAt: string };

export function openRequirements(pending: PendingMutation): OpenRequirement[] {
  const open: OpenRequirement[] = [];
  const step = currentApprovalStep(pending.requirements, pending.approvals);
  if (step) open.push({ kind: 'approval', step: step.index, role: step.role, remaining: step.count - step.approvedBy.length });
  for (const requirement of pending.requirements) {
    switch (requirement.kind) {
      case 'approval':
        break;
      case 'external_check':
        if (!pending.passedChecks.includes(requirement.name)) open.push(requirement);
        break;
      case 'schedule':
        if (!pending.scheduleReached) open.push(requirement);
        break;
      case 'dependency': {
        const waiting = requirement.mutationIds.filter((id) => !pending.resolvedDependencies.includes(id));
        if (waiting.length > 0) open.push({ kind: 'dependency', mutationIds: waiting, timeoutAt: requirement.timeoutAt });
        break;
      }
      default: {
        const unknown: never = requirement;
        throw new Error(`unknown requirement ${JSON.stringify(unknown)}`);
      }
    }
  }
  return open;
}

/** Requirements that a human or system must grant; time-based ones (schedule) are not part of what is approved. */
export function governanceRequirements(requirements: readonly Requirement[]): Requirement[] {
  return requirements.filter((requirement) => requirement.kind === 'approval' || requirement.kind === 'external_check');
}
