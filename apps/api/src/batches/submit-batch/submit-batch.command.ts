import type { Actor, BatchMode, BatchState, BatchStepRequest, DomainError } from '@countersign/domain';
import { Command } from '@nestjs/cqrs';

export type SubmitBatchResult = { kind: 'rejected'; error: DomainError } | { kind: 'recorded'; state: BatchState; position: number };

/** Admit a batch (or a revert chain, `revertOf`) and, when nothing holds it, run its saga right away. */
export class SubmitBatchCommand extends Command<SubmitBatchResult> {
  constructor(
    readonly request: { mode: BatchMode; steps: BatchStepRequest[]; reason?: string; revertOf?: string },
    readonly actor: Actor,
    readonly correlationId: string,
  ) {
    super();
  }
}
