import type { Actor, Admission, DomainError, JsonObject, JsonValue, Plan, Requirement, SubmitOutcome } from '@countersign/domain';
import { Command } from '@nestjs/cqrs';
import type { SubmitMutationDto } from './submit-mutation.dto.js';

export type SubmitMutationResult =
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'planned'; plan: Plan }
  | {
      kind: 'recorded';
      mutationId: string;
      status: 'applied' | 'pending' | 'denied';
      plan: Plan;
      requirements: Requirement[];
      stateVersion: number;
      expiresAt?: string;
      position: number;
    }
  /** Admitted without a plan: it waits for its dependencies (or one already failed); a dry run recorded nothing. */
  | {
      kind: 'deferred';
      mutationId: string;
      status: 'pending' | 'failed';
      dryRun: boolean;
      admission: Admission;
      requirements: Requirement[];
      /** Why it failed at admission (a dependency that already ended). */
      failure?: { code: string; reason: string };
      stateVersion: number;
      expiresAt?: string;
      position: number;
    };

/** The result of a decided submit (or revert) once its events are appended at `position`. */
export function submitResult(outcome: SubmitOutcome, mutationId: string, position: number): SubmitMutationResult {
  switch (outcome.kind) {
    case 'rejected':
    case 'planned':
      return outcome;
    case 'recorded':
      return {
        kind: 'recorded',
        mutationId,
        status: outcome.status,
        plan: outcome.plan,
        requirements: outcome.requirements,
        stateVersion: outcome.version,
        expiresAt: outcome.expiresAt,
        position,
      };
    case 'deferred':
      return {
        kind: 'deferred',
        mutationId,
        status: outcome.status,
        dryRun: outcome.dryRun,
        admission: outcome.admission,
        requirements: outcome.requirements,
        ...(outcome.failure ? { failure: outcome.failure } : {}),
        stateVersion: outcome.version,
        expiresAt: outcome.expiresAt,
        position,
      };
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/** The outcome label of a submit in metrics: its status, `dry_run`, or the refusal's code. */
export function outcomeLabel(result: SubmitMutationResult): string {
  if (result.kind === 'rejected') return result.error.code;
  if (result.kind === 'planned' || (result.kind === 'deferred' && result.dryRun)) return 'dry_run';
  return result.status;
}

export class SubmitMutationCommand extends Command<SubmitMutationResult> {
  constructor(
    readonly request: Omit<SubmitMutationDto, 'payload' | 'metadata'> & { payload: JsonValue; metadata?: JsonObject },
    readonly actor: Actor,
    readonly correlationId: string,
    /** Chosen by the caller when an idempotency key binds it; a fresh id otherwise. */
    readonly mutationId?: string,
  ) {
    super();
  }
}
