import type { Actor } from '@countersign/domain';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PendingCommandHandler, type PendingCommandAnswer } from '../pending-command.handler.js';

export class ResolveCheckCommand extends Command<PendingCommandAnswer> {
  constructor(
    readonly mutationId: string,
    readonly name: string,
    readonly outcome: 'pass' | 'fail',
    readonly detail: string | undefined,
    readonly actor: Actor,
    readonly correlationId: string,
  ) {
    super();
  }
}

@CommandHandler(ResolveCheckCommand)
export class ResolveCheckHandler implements ICommandHandler<ResolveCheckCommand, PendingCommandAnswer> {
  constructor(private readonly pending: PendingCommandHandler) {}

  execute(command: ResolveCheckCommand): Promise<PendingCommandAnswer> {
    return this.pending.execute(command.mutationId, command.correlationId, (now) => ({
      type: 'ResolveCheck',
      mutationId: command.mutationId,
      name: command.name,
      outcome: command.outcome,
      detail: command.detail,
      actor: command.actor,
      now,
    }));
  }
}
