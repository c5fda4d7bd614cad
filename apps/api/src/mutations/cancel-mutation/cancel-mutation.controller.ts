import type { Actor } from '@countersign/domain';
import { Body, Controller, DefaultValuePipe, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { mutationIdPipe } from '../mutation-id.pipe.js';
import type { PendingCommandAnswer } from '../pending-command.handler.js';
import { CancelMutationCommand } from './cancel-mutation.command.js';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';

export class CancelMutationDto {
  @ApiPropertyOptional({ nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

@ApiTags('mutations')
@Controller('v1/mutations')
export class CancelMutationController {
  constructor(private readonly commandBus: CommandBus) {}

  /** The requester (or an admin) withdraws a pending mutation. The body is optional. */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelMutation', summary: 'Withdraw a pending mutation', description: 'By the requester or an admin. The body is optional.' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the mutationId' })
  @ApiBody({ type: CancelMutationDto, required: false })
  @ApiCorrelationId()
  @ApiAnswer(200, 'PendingCommandAnswer', 'cancelled')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.execution, 'mutation_not_found', 'mutation_not_pending', 'unknown_contract', 'cancel_not_allowed'])
  cancel(
    @Param('id', mutationIdPipe()) mutationId: string,
    @Body(new DefaultValuePipe({}), envelopeValidationPipe('invalid_request')) body: CancelMutationDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
  ): Promise<PendingCommandAnswer> {
    return this.commandBus.execute(new CancelMutationCommand(mutationId, actor, body.reason, correlationIdOf(request)));
  }
}
