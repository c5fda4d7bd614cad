import type { Actor } from '@countersign/domain';
import { Command } from '@nestjs/cqrs';
import type { SubmitMutationResult } from '../submit-mutation/submit-mutation.command.js';
import type { RevertMutationDto } from './revert-mutation.dto.js';

export class RevertMutationCommand extends Command<SubmitMutationResult> {
  constructor(
    readonly target: string,
    readonly request: RevertMutationDto,
    readonly actor: Actor,
    readonly correlationId: string,
  ) {
    super();
  }
}
