import type { Actor } from '@countersign/domain';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { mutationIdPipe } from '../mutation-id.pipe.js';
import type { PendingCommandAnswer } from '../pending-command.handler.js';
import { ApproveMutationCommand } from './approve-mutation.command.js';
import { ApproveMutationDto } from './approve-mutation.dto.js';

@Controller('v1/mutations')
export class ApproveMutationController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Approve or reject the current step. The final approval re-plans and applies (or dismisses) at once. */
  @Post(':id/approvals')
  @HttpCode(200)
  approve(
    @Param('id', mutationIdPipe()) mutationId: string,
    @Body(envelopeValidationPipe('invalid_request')) body: ApproveMutationDto,
    @CurrentActor() approver: Actor,
    @Req() request: FastifyRequest,
  ): Promise<PendingCommandAnswer> {
    return this.commandBus.execute(new ApproveMutationCommand(mutationId, approver, body.decision, body.comment, correlationIdOf(request)));
  }
}
