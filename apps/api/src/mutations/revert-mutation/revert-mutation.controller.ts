import type { Actor } from '@countersign/domain';
import { EXECUTION_GATE, ExecutionGate } from '@countersign/runtime';
import { Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { correlationIdOf } from '../../http/request-context.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { answerBatch } from '../../batches/batch-answer.js';
import { answerOf } from '../mutation-answer.js';
import { mutationIdPipe } from '../mutation-id.pipe.js';
import { RevertMutationCommand } from './revert-mutation.command.js';
import { RevertMutationDto } from './revert-mutation.dto.js';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer, ApiCorrelationId } from '../../openapi/api-answer.decorator.js';
import { REVERT_APPLIED } from '../../openapi/tour-examples.js';

@ApiTags('mutations')
@Controller('v1/mutations')
export class RevertMutationController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
  ) {}

  /**
   * Undo an applied mutation with a governed compensating mutation: 201 applied, 202 pending
   * (its policies want an approval), 403/422 recorded denials; 422 irreversible; 409
   * revert_conflict (later mutations changed its paths), already_compensated, mutation_not_applied.
   */
  @Post(':id/revert')
  @ApiOperation({
    operationId: 'revertMutation',
    summary: 'Undo an applied mutation',
    description:
      "A governed compensating mutation on the same state: validated, planned, governed by the contract's policies (it may be pending for an approval, or denied) and linked both ways (compensates, compensatedBy). With compensateLater and later changes to undo, the answer is an atomic batch of compensations, latest first.",
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the mutation to undo' })
  @ApiCorrelationId()
  @ApiAnswer(201, ['RevertSubmitAnswer', 'RevertChainAnswer'], 'the compensation applied (or the chain batch applied)', { reverted: REVERT_APPLIED })
  @ApiAnswer(202, ['RevertSubmitAnswer', 'RevertChainAnswer'], 'the compensation (or the chain batch) is pending, or the chain is running')
  @ApiAnswer(200, ['RevertDryRunAnswer', 'RevertChainAnswer'], 'a dry run (nothing recorded), or a chain batch that ended otherwise')
  @ApiErrors([
    ...ROUTE_ERRORS.authenticated,
    ...ROUTE_ERRORS.body,
    ...ROUTE_ERRORS.path,
    ...ROUTE_ERRORS.execution,
    'mutation_not_found',
    'unknown_contract',
    'irreversible',
    'revert_conflict',
    'already_compensated',
    'mutation_not_applied',
    'policy_denied',
    'guard_denied',
    'dependency_failed',
    'effect_failed',
    'invalid_payload',
    'invalid_classification',
    'invalid_side_effect',
    'unsupported_requirement',
    'state_not_found',
  ])
  async revert(
    @Param('id', mutationIdPipe()) target: string,
    @Body(envelopeValidationPipe('invalid_request')) body: RevertMutationDto,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const correlationId = correlationIdOf(request);
    void reply.header('x-correlation-id', correlationId);
    const response = await this.gate.run(async () => {
      const reverted = await this.commandBus.execute(new RevertMutationCommand(target, body, actor, correlationId));
      return reverted.kind === 'chain' ? answerBatch(reverted.result, { compensates: target }) : answerOf(reverted.result, { compensates: target });
    });
    void reply.status(response.status);
    return response.body;
  }
}
