import type { Actor, DomainError, JsonObject, JsonValue, Plan, Requirement } from '@countersign/domain';
import { Command } from '@nestjs/cqrs';
import type { SubmitMutationDto } from './submit-mutation.dto.js';

export type SubmitMutationResult =
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'planned'; plan: Plan }
  | {
      kind: 'recorded';
      mutationId: string;
      status: 'applied' | 'pending' | 'denied' | 'failed';
      plan: Plan;
      requirements: Requirement[];
      /** Why it failed at admission (a dependency that already ended). */
      failure?: { code: string; reason: string };
      stateVersion: number;
      expiresAt?: string;
      position: number;
    };

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
