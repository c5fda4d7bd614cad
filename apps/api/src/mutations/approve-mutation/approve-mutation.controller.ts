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
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';
import { APPROVE_ANSWER } from '../../openapi/tour-examples.js';

@ApiTags('approvals')
@Controller('v1/mutations')
export class ApproveMutationController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Approve or reject the current step. The final approval re-plans and applies (or dismisses) at once. */
  @Post(':id/approvals')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'approveMutation',
    summary: 'Approve or reject a pending mutation',
    description: "The caller must hold the current step's role, must not be the requester, and counts once. One rejection ends it rejected; the final approval re-plans and applies it (or dismisses the approvals when the change differs from what was approved).",
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the mutationId' })
  @ApiCorrelationId()
  @ApiAnswer(200, 'PendingCommandAnswer', "the mutation's status after the decision", { approved: APPROVE_ANSWER })
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.execution, 'mutation_not_found', 'mutation_not_pending', 'unknown_contract', 'self_approval', 'approver_role_required', 'already_approved', 'no_approval_required'])
  approve(
    @Param('id', mutationIdPipe()) mutationId: string,
    @Body(envelopeValidationPipe('invalid_request')) body: ApproveMutationDto,
    @CurrentActor() approver: Actor,
    @Req() request: FastifyRequest,
  ): Promise<PendingCommandAnswer> {
    return this.commandBus.execute(new ApproveMutationCommand(mutationId, approver, body.decision, body.comment, correlationIdOf(request)));
  }
}
