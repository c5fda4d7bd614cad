import type { Actor } from '@countersign/domain';
import { Command } from '@nestjs/cqrs';
import type { SubmitBatchResult } from '../../batches/submit-batch/submit-batch.command.js';
import type { SubmitMutationResult } from '../submit-mutation/submit-mutation.command.js';

/** A revert is one compensating mutation, or (compensateLater with later changes) a batch undoing the chain. */
export type RevertMutationResult = { kind: 'mutation'; result: SubmitMutationResult } | { kind: 'chain'; result: SubmitBatchResult };
import type { RevertMutationDto } from './revert-mutation.dto.js';

export class RevertMutationCommand extends Command<RevertMutationResult> {
  constructor(
    readonly target: string,
    readonly request: RevertMutationDto,
    readonly actor: Actor,
    readonly correlationId: string,
  ) {
    super();
  }
}
