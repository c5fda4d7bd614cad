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

@Controller('v1/batches')
export class SubmitBatchController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
  ) {}

  /** Admit a batch: `{ batchId, status, steps, … }`. A batch holds one execution slot while it runs. */
  @Post()
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
