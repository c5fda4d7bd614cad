import type { Actor } from '@countersign/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PendingCommandHandler, type PendingCommandAnswer } from '../pending-command.handler.js';

export class CancelMutationCommand extends Command<PendingCommandAnswer> {
  constructor(
    readonly mutationId: string,
    readonly actor: Actor,
    readonly reason: string | undefined,
    readonly correlationId: string,
  ) {
    super();
  }
}

@CommandHandler(CancelMutationCommand)
export class CancelMutationHandler implements ICommandHandler<CancelMutationCommand, PendingCommandAnswer> {
  constructor(private readonly pending: PendingCommandHandler) {}

  execute(command: CancelMutationCommand): Promise<PendingCommandAnswer> {
    return this.pending.execute(command.mutationId, command.correlationId, (now) => ({
      type: 'CancelMutation',
      mutationId: command.mutationId,
      actor: command.actor,
      reason: command.reason,
      now,
    }));
  }
}
