import type { Actor } from '@countersign/domain';
import { Body, Controller, DefaultValuePipe, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { mutationIdPipe } from '../mutation-id.pipe.js';
import type { PendingCommandAnswer } from '../pending-command.handler.js';
import { CancelMutationCommand } from './cancel-mutation.command.js';

export class CancelMutationDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

@Controller('v1/mutations')
export class CancelMutationController {
  constructor(private readonly commandBus: CommandBus) {}

  /** The requester (or an admin) withdraws a pending mutation. The body is optional. */
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(
    @Param('id', mutationIdPipe()) mutationId: string,
    @Body(new DefaultValuePipe({}), envelopeValidationPipe('invalid_request')) body: CancelMutationDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
  ): Promise<PendingCommandAnswer> {
    return this.commandBus.execute(new CancelMutationCommand(mutationId, actor, body.reason, correlationIdOf(request)));
  }
}
