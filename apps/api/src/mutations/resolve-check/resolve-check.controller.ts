import type { Actor } from '@countersign/domain';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { mutationIdPipe } from '../mutation-id.pipe.js';
import type { PendingCommandAnswer } from '../pending-command.handler.js';
import { ResolveCheckCommand } from './resolve-check.command.js';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';

export class ResolveCheckDto {
  @ApiProperty({ enum: ['pass', 'fail'], description: 'a failing check ends the mutation rejected' })
  @IsIn(['pass', 'fail'])
  outcome!: 'pass' | 'fail';

  @ApiPropertyOptional({ nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  detail?: string;
}

@ApiTags('approvals')
@Controller('v1/mutations')
export class ResolveCheckController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Report an external check's outcome; the caller must hold the check's role. */
  @Post(':id/checks/:name')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resolveCheck', summary: "Report an external check's outcome", description: "The caller must hold the check's role; a failing check ends the mutation rejected." })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the mutationId' })
  @ApiParam({ name: 'name', description: 'the name of the external_check requirement' })
  @ApiCorrelationId()
  @ApiAnswer(200, 'PendingCommandAnswer', "the mutation's status after the check")
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.execution, 'mutation_not_found', 'mutation_not_pending', 'unknown_contract', 'check_role_required', 'unknown_check'])
  resolve(
    @Param('id', mutationIdPipe()) mutationId: string,
    @Param('name') name: string,
    @Body(envelopeValidationPipe('invalid_request')) body: ResolveCheckDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
  ): Promise<PendingCommandAnswer> {
    return this.commandBus.execute(new ResolveCheckCommand(mutationId, name, body.outcome, body.detail, actor, correlationIdOf(request)));
  }
}
