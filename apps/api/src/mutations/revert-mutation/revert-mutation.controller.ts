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
