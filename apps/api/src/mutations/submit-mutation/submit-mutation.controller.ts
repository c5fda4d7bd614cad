import type { Actor, JsonObject, JsonValue } from '@countersign/domain';
import { ReadModelQueries } from '@countersign/read-models';
import { EXECUTION_GATE, ExecutionGate, ID_GENERATOR, IdempotencyStore, OverCapacityError, requestFingerprint, type IdGenerator, type StoredResponse } from '@countersign/runtime';
import { Body, Controller, Headers, Inject, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { ApiError } from '../../http/api-error.js';
import { answerOf } from '../mutation-answer.js';
import { correlationIdOf } from '../../http/request-context.js';
import { Metrics } from '../../metrics/metrics.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { SubmitMutationCommand } from './submit-mutation.command.js';
import { SubmitMutationDto } from './submit-mutation.dto.js';
import { MutationAlreadyRecordedError } from './submit-mutation.handler.js';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';
import { SUBMIT_APPLIED, SUBMIT_DRY_RUN, SUBMIT_ERROR_EXAMPLES, SUBMIT_EXAMPLES, SUBMIT_PENDING } from '../../openapi/tour-examples.js';

const ROUTE = '/v1/mutations';

@ApiTags('mutations')
@Controller('v1/mutations')
export class SubmitMutationController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotency: IdempotencyStore,
    private readonly queries: ReadModelQueries,
    private readonly metrics: Metrics,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /**
   * 201 applied, 202 pending, 200 dry run; 403/422 recorded denials and failures; 4xx malformed
   * (nothing recorded); 409 idempotency conflicts; 429 over capacity (nothing recorded).
   */
  @Post()
  @ApiOperation({
    operationId: 'submitMutation',
    summary: 'Submit a mutation',
    description:
      'Validates the envelope and the payload, plans the change, evaluates the policies and applies it, records it pending, or records its denial. The actor is the authenticated principal. With an idempotency key every retry of the same request gets the first answer (docs/protocol.md).',
  })
  @ApiBody({ type: SubmitMutationDto, examples: SUBMIT_EXAMPLES })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'or the idempotencyKey field (they must agree): per principal, a retry of the same request gets the first answer; another request with it 409 idempotency_conflict', schema: { type: 'string', minLength: 1, maxLength: 200 } })
  @ApiCorrelationId()
  @ApiAnswer(201, ['SubmitAnswer', 'RecoveredAnswer'], 'applied', { applied: SUBMIT_APPLIED })
  @ApiAnswer(202, ['SubmitAnswer', 'DeferredSubmitAnswer', 'RecoveredAnswer'], 'pending: it waits for its requirements until expiresAt; with dependsOn not yet applied, recorded without a plan (decision deferred)', { pending: SUBMIT_PENDING })
  @ApiAnswer(200, ['DryRunAnswer', 'DeferredDryRunAnswer', 'RecoveredAnswer'], 'a dry run (nothing recorded; deferred with dependsOn not yet applied), or the recovered answer of an interrupted first attempt with this idempotency key', { dryRun: SUBMIT_DRY_RUN })
  @ApiErrors(
    [
      ...ROUTE_ERRORS.authenticated,
      ...ROUTE_ERRORS.body,
      ...ROUTE_ERRORS.execution,
      ...ROUTE_ERRORS.read,
      'policy_denied',
      'state_not_found',
      'version_conflict',
      'plan_changed',
      'idempotency_conflict',
      'request_in_progress',
      'state_already_exists',
      'unknown_contract',
      'unknown_transition',
      'invalid_payload',
      'effect_failed',
      'guard_denied',
      'unknown_dependency',
      'dependency_failed',
      'invalid_classification',
      'invalid_side_effect',
    ],
    { examples: SUBMIT_ERROR_EXAMPLES },
  )
  async submit(
    @Body(envelopeValidationPipe('invalid_request')) body: SubmitMutationDto,
    @CurrentActor() actor: Actor,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    if (idempotencyKeyHeader !== undefined && body.idempotencyKey !== undefined && idempotencyKeyHeader !== body.idempotencyKey) {
      throw new ApiError('invalid_request', 'the Idempotency-Key header and the idempotencyKey field differ', { field: 'idempotencyKey' });
    }
    if (idempotencyKeyHeader !== undefined && (idempotencyKeyHeader.length < 1 || idempotencyKeyHeader.length > 200)) {
      throw new ApiError('invalid_request', 'Idempotency-Key must be 1-200 characters', { field: 'Idempotency-Key' });
    }
    const correlationId = correlationIdOf(request);
    void reply.header('x-correlation-id', correlationId);
    const key = body.idempotencyKey ?? idempotencyKeyHeader;
    const command = (mutationId: string) =>
      new SubmitMutationCommand(
        { ...body, payload: body.payload as JsonValue, metadata: body.metadata as JsonObject | undefined, idempotencyKey: key },
        actor,
        correlationId,
        mutationId,
      );
    const response = key === undefined ? await this.admitted(() => this.answer(command(this.ids.next()))) : await this.once(actor, key, request, command);
    void reply.status(response.status);
    return response.body;
  }

  /** Runs the request at most once per (principal, key) and answers every retry with the first answer (docs/protocol.md §1). */
  private async once(actor: Actor, key: string, request: FastifyRequest, command: (mutationId: string) => SubmitMutationCommand): Promise<StoredResponse> {
    const { idempotencyKey: _key, ...rest } = (request.body ?? {}) as Record<string, unknown>;
    const fingerprint = requestFingerprint('POST', ROUTE, rest as JsonValue);
    const claim = await this.idempotency.claim(actor.id, key, fingerprint, this.ids.next());
    this.metrics.increment('countersign_idempotent_requests_total', { result: claim.kind === 'owner' ? (claim.recovering ? 'recovered' : 'executed') : claim.kind === 'replay' ? 'replayed' : claim.kind });
    switch (claim.kind) {
      case 'conflict':
        throw new ApiError('idempotency_conflict', 'this Idempotency-Key was used with a different request', { idempotencyKey: key, mutationId: claim.mutationId });
      case 'in_progress':
        throw new ApiError('request_in_progress', 'the first request with this Idempotency-Key is still running; retry shortly', { idempotencyKey: key, mutationId: claim.mutationId }, {
          headers: { 'retry-after': '1' },
        });
      case 'replay':
        return { status: claim.response.status, body: claim.response.body };
      case 'owner':
        break;
    }
    let response: StoredResponse;
    try {
      response = await this.admitted(() => this.answer(command(claim.mutationId)));
    } catch (error) {
      if (error instanceof MutationAlreadyRecordedError) {
        // A crashed first attempt recorded the mutation: answer from what the log says, never execute again.
        response = await this.recovered(claim.mutationId);
      } else if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
        response = { status: error.status, body: error.toBody() };
      } else {
        // Over capacity or a failure: the key stays usable. Nothing recorded (429) frees it; otherwise the next retry checks the log.
        if (error instanceof OverCapacityError) {
          this.metrics.increment('countersign_idempotent_requests_total', { result: 'released' });
          await this.idempotency.release(actor.id, key, claim.mutationId);
        } else {
          await this.idempotency.abandon(actor.id, key, claim.mutationId);
        }
        throw error;
      }
    }
    await this.idempotency.complete(actor.id, key, claim.mutationId, response);
    return response;
  }

  /** Runs the submit in an execution slot; a refusal for want of one counts as the submit outcome `over_capacity`. */
  private async admitted(run: () => Promise<StoredResponse>): Promise<StoredResponse> {
    try {
      return await this.gate.run(run);
    } catch (error) {
      if (error instanceof OverCapacityError) this.metrics.increment('countersign_mutations_submitted_total', { outcome: 'over_capacity' });
      throw error;
    }
  }

  /** The answer as status and body; refusals of the domain are answers too (and are stored with the key). */
  private async answer(command: SubmitMutationCommand): Promise<StoredResponse> {
    return answerOf(await this.commandBus.execute(command));
  }

  /** The answer for a mutation an earlier, interrupted attempt recorded: its current record. */
  private async recovered(mutationId: string): Promise<StoredResponse> {
    const record = await this.queries.getMutation(mutationId);
    if (!record) throw new ApiError('projection_lag', 'the mutation is recorded but not projected yet; retry shortly', { mutationId });
    return {
      status: record.status === 'applied' ? 201 : record.status === 'pending' ? 202 : 200,
      body: {
        mutationId,
        status: record.status,
        stateType: record.stateType,
        stateId: record.stateId,
        transition: record.transition,
        requirements: record.requirements ?? [],
        diff: record.diff ?? [],
        planHash: record.planHash,
        stateVersion: record.stateVersion,
        expiresAt: record.expiresAt,
        position: record.position,
        recovered: true,
      },
    };
  }
}
