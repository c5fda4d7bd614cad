import { describeBatch, type Actor, type BatchCommand } from '@countersign/domain';
import { BatchCommands, BatchSagaRunner, EXECUTION_GATE, ExecutionGate, LOG, type Log } from '@countersign/runtime';
import { Body, Controller, DefaultValuePipe, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { ApiError, type ErrorCode } from '../../http/api-error.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { ApproveMutationDto } from '../../mutations/approve-mutation/approve-mutation.dto.js';
import { batchIdPipe } from '../batch-id.pipe.js';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';

export class BatchReasonDto {
  @ApiPropertyOptional({ nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

/** Commands on a batch: approve/reject a pending one, cancel it, retry a failed compensation. */
@ApiTags('batches')
@Controller('v1/batches')
export class BatchCommandsController {
  constructor(
    private readonly commands: BatchCommands,
    private readonly sagas: BatchSagaRunner,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
    @Inject(LOG) private readonly log: Log,
  ) {}

  /** `{ decision: approve | reject, comment? }`: one approval covers every step; the last one starts the saga. */
  @Post(':id/approvals')
  @HttpCode(200)
  @ApiOperation({ operationId: 'approveBatch', summary: 'Approve or reject a pending batch', description: 'The rules of mutation approvals; one approval covers every step and the last one starts the saga.' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the batchId' })
  @ApiCorrelationId()
  @ApiAnswer(200, 'BatchCommandAnswer', 'the batch after the decision')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.execution, 'batch_not_found', 'batch_not_pending', 'self_approval', 'approver_role_required', 'already_approved', 'no_approval_required'])
  approve(@Param('id', batchIdPipe()) batchId: string, @Body(envelopeValidationPipe('invalid_request')) body: ApproveMutationDto, @CurrentActor() actor: Actor, @Req() request: FastifyRequest) {
    return this.run(batchId, correlationIdOf(request), (now) => ({ type: 'ApproveBatch', batchId, approver: actor, decision: body.decision, ...(body.comment !== undefined ? { comment: body.comment } : {}), now }));
  }

  /** The requester or an admin withdraws a pending batch. */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelBatch', summary: 'Withdraw a pending batch', description: 'By the requester or an admin. The body is optional.' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the batchId' })
  @ApiBody({ type: BatchReasonDto, required: false })
  @ApiCorrelationId()
  @ApiAnswer(200, 'BatchCommandAnswer', 'cancelled')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.execution, 'batch_not_found', 'batch_not_pending', 'cancel_not_allowed'])
  cancel(
    @Param('id', batchIdPipe()) batchId: string,
    @Body(new DefaultValuePipe({}), envelopeValidationPipe('invalid_request')) body: BatchReasonDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
  ) {
    return this.run(batchId, correlationIdOf(request), (now) => ({ type: 'CancelBatch', batchId, actor, ...(body.reason !== undefined ? { reason: body.reason } : {}), now }));
  }

  /** An admin retries the compensations of a batch in `compensation_failed`, once the cause is fixed. */
  @Post(':id/compensation/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryBatchCompensation', summary: 'Resume the compensations of a batch in compensation_failed', description: 'An admin, once the cause is fixed. The body is optional.' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the batchId' })
  @ApiBody({ type: BatchReasonDto, required: false })
  @ApiCorrelationId()
  @ApiAnswer(200, 'BatchCommandAnswer', 'the batch compensating again')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.execution, 'batch_not_found', 'forbidden', 'batch_not_retryable'])
  retry(
    @Param('id', batchIdPipe()) batchId: string,
    @Body(new DefaultValuePipe({}), envelopeValidationPipe('invalid_request')) body: BatchReasonDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
  ) {
    return this.run(batchId, correlationIdOf(request), (now) => ({ type: 'RetryCompensation', batchId, actor, ...(body.reason !== undefined ? { reason: body.reason } : {}), now }));
  }

  private run(batchId: string, correlationId: string, command: (now: string) => BatchCommand) {
    return this.gate.run(async () => {
      const done = await this.commands.run(batchId, correlationId, command);
      if (!done) throw new ApiError('batch_not_found', `no batch ${batchId}`, { batchId });
      const { outcome } = done;
      if (outcome.kind === 'rejected') {
        const status = outcome.error.details?.status;
        throw new ApiError(outcome.error.code as ErrorCode, outcome.error.message, outcome.error.details ?? {}, typeof status === 'string' ? { status } : {});
      }
      let state = done.state;
      let position = done.position ?? null;
      if (outcome.kind === 'recorded' && (state.status === 'running' || state.status === 'compensating')) {
        try {
          const advanced = await this.sagas.advance(batchId, correlationId);
          state = advanced.state;
          position = advanced.position ?? position;
        } catch (error) {
          this.log(`batch ${batchId}: saga stopped (a worker resumes it): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return {
        ...describeBatch(state),
        recorded: outcome.kind === 'recorded',
        ...(outcome.kind === 'unchanged' ? { note: outcome.reason } : {}),
        position,
      };
    });
  }
}
