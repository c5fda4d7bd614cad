import type { Actor, JsonObject, JsonValue, Plan } from '@countersign/domain';
import { Body, Controller, Headers, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { ApiError, type ErrorCode } from '../../http/api-error.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { SubmitMutationCommand } from './submit-mutation.command.js';
import { SubmitMutationDto } from './submit-mutation.dto.js';

@Controller('v1/mutations')
export class SubmitMutationController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 201 applied, 202 pending, 200 dry run; 403/422 recorded denials; 4xx malformed (nothing recorded). */
  @Post()
  async submit(
    @Body(envelopeValidationPipe('invalid_request')) body: SubmitMutationDto,
    @CurrentActor() actor: Actor,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    if (idempotencyKeyHeader !== undefined && body.idempotencyKey !== undefined && idempotencyKeyHeader !== body.idempotencyKey) {
      throw new ApiError('invalid_request', 'the Idempotency-Key header and the idempotencyKey field differ', { field: 'idempotencyKey' });
    }
    if (idempotencyKeyHeader !== undefined && (idempotencyKeyHeader.length < 1 || idempotencyKeyHeader.length > 200)) {
      throw new ApiError('invalid_request', 'Idempotency-Key must be 1-200 characters', { field: 'Idempotency-Key' });
    }
    const correlationId = correlationIdOf(request);
    void reply.header('x-correlation-id', correlationId);
    const result = await this.commandBus.execute(
      new SubmitMutationCommand(
        { ...body, payload: body.payload as JsonValue, metadata: body.metadata as JsonObject | undefined, idempotencyKey: body.idempotencyKey ?? idempotencyKeyHeader },
        actor,
        correlationId,
      ),
    );
    switch (result.kind) {
      case 'rejected':
        throw new ApiError(result.error.code as ErrorCode, result.error.message, result.error.details ?? {});
      case 'planned':
        void reply.status(200);
        return { dryRun: true, ...describePlan(result.plan), stateVersion: result.plan.baseVersion, resultingState: result.plan.after };
      case 'recorded': {
        const answer = {
          mutationId: result.mutationId,
          status: result.status,
          ...describePlan(result.plan),
          stateVersion: result.status === 'applied' ? result.stateVersion : null,
          expiresAt: result.expiresAt ?? null,
          position: result.position,
        };
        if (result.status === 'denied' && result.plan.decision.outcome === 'deny') {
          const { decision } = result.plan;
          throw new ApiError(decision.code, decision.reason, { deniedBy: decision.deniedBy, policy: decision.policy ?? null }, {
            mutationId: result.mutationId,
            status: 'denied',
            suggestions: decision.suggestions,
            position: result.position,
          });
        }
        void reply.status(result.status === 'applied' ? 201 : 202);
        return answer;
      }
      default: {
        const unknown: never = result;
        throw new Error(`unknown result ${JSON.stringify(unknown)}`);
      }
    }
  }
}

function describePlan(plan: Plan) {
  const { decision } = plan;
  return {
    stateType: plan.stateType,
    stateId: plan.stateId,
    transition: plan.transition,
    decision: {
      outcome: decision.outcome,
      policies: decision.policies,
      ...(decision.outcome === 'deny' ? { code: decision.code, reason: decision.reason, suggestions: decision.suggestions } : {}),
    },
    requirements: plan.requirements,
    diff: plan.diff,
    planHash: plan.hash,
    classification: plan.classification,
  };
}
