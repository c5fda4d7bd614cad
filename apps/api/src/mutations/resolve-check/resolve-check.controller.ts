import type { Actor } from '@countersign/domain';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { mutationIdPipe } from '../mutation-id.pipe.js';
import type { PendingCommandAnswer } from '../pending-command.handler.js';
import { ResolveCheckCommand } from './resolve-check.command.js';

export class ResolveCheckDto {
  @IsIn(['pass', 'fail'])
  outcome!: 'pass' | 'fail';

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  detail?: string;
}

@Controller('v1/mutations')
export class ResolveCheckController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Report an external check's outcome; the caller must hold the check's role. */
  @Post(':id/checks/:name')
  @HttpCode(200)
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
