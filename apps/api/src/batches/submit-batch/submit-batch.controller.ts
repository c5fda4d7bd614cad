import type { Actor, JsonObject, JsonValue } from '@countersign/domain';
import { EXECUTION_GATE, ExecutionGate } from '@countersign/runtime';
import { Body, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { answerBatch } from '../batch-answer.js';
import { SubmitBatchCommand } from './submit-batch.command.js';
import { SubmitBatchDto } from './submit-batch.dto.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';

@ApiTags('batches')
@Controller('v1/batches')
export class SubmitBatchController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
  ) {}

  /** Admit a batch: `{ batchId, status, steps, … }`. A batch holds one execution slot while it runs. */
  @Post()
  @ApiOperation({
    operationId: 'submitBatch',
    summary: 'Submit a batch of mutations',
    description:
      'Every step is planned and policy-checked at admission, in order. Any denial denies the batch (recorded); any approval requirement makes the whole batch pending, approved as one; otherwise it runs at once. atomic: a step that does not apply compensates the applied ones in reverse order.',
  })
  @ApiCorrelationId()
  @ApiAnswer(201, 'Batch', 'every step applied')
  @ApiAnswer(202, 'Batch', 'pending an approval, or still running or compensating')
  @ApiAnswer(200, 'Batch', 'ended otherwise: compensated, failed, partially_applied, compensation_failed')
  @ApiErrors([
    ...ROUTE_ERRORS.authenticated,
    ...ROUTE_ERRORS.body,
    ...ROUTE_ERRORS.execution,
    'policy_denied',
    'guard_denied',
    'state_not_found',
    'version_conflict',
    'state_already_exists',
    'unknown_contract',
    'unknown_transition',
    'invalid_payload',
    'effect_failed',
    'irreversible',
    'unsupported_requirement',
    'invalid_classification',
    'invalid_side_effect',
  ])
  async submit(
    @Body(envelopeValidationPipe('invalid_request')) body: SubmitBatchDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const correlationId = correlationIdOf(request);
    void reply.header('x-correlation-id', correlationId);
    const steps = body.mutations.map((step) => ({
      stateType: step.stateType,
      stateId: step.stateId,
      transition: step.transition,
      payload: step.payload as JsonValue,
      ...(step.expectedVersion !== undefined ? { expectedVersion: step.expectedVersion } : {}),
      ...(step.reason !== undefined ? { reason: step.reason } : {}),
      classification: {
        category: step.category,
        riskLevel: step.riskLevel,
        sideEffectSeverity: step.sideEffectSeverity,
        tags: step.tags,
        metadata: step.metadata as JsonObject | undefined,
        estimatedBlastRadius: step.estimatedBlastRadius,
      },
    }));
    const response = await this.gate.run(async () =>
      answerBatch(await this.commandBus.execute(new SubmitBatchCommand({ mode: body.mode, steps, ...(body.reason !== undefined ? { reason: body.reason } : {}) }, actor, correlationId))),
    );
    void reply.status(response.status);
    return response.body;
  }
}
