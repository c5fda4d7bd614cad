import type { Actor } from '@countersign/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PendingCommandHandler, type PendingCommandAnswer } from '../pending-command.handler.js';

export class ApproveMutationCommand extends Command<PendingCommandAnswer> {
  constructor(
    readonly mutationId: string,
    readonly approver: Actor,
    readonly decision: 'approve' | 'reject',
    readonly comment: string | undefined,
    readonly correlationId: string,
  ) {
    super();
  }
}

@CommandHandler(ApproveMutationCommand)
export class ApproveMutationHandler implements ICommandHandler<ApproveMutationCommand, PendingCommandAnswer> {
  constructor(private readonly pending: PendingCommandHandler) {}

  execute(command: ApproveMutationCommand): Promise<PendingCommandAnswer> {
    return this.pending.execute(command.mutationId, command.correlationId, (now) => ({
      type: 'ApproveMutation',
      mutationId: command.mutationId,
      approver: command.approver,
      decision: command.decision,
      comment: command.comment,
      now,
    }));
  }
}
