import { Controller, Get, Param, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { ReadOptionsDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { GetStateQuery } from './get-state.query.js';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';
import { STATE_ANSWER } from '../../openapi/tour-examples.js';

@ApiTags('states')
@Controller('v1/states')
export class GetStateController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** `{ state, version }` plus when and by which mutation it last changed. */
  @Get(':type/:id')
  @ApiOperation({ operationId: 'getState', summary: 'A state and its version' })
  @ApiParam({ name: 'type', description: 'the stateType' })
  @ApiParam({ name: 'id', description: 'the stateId' })
  @ApiAnswer(200, 'State', 'the state', { state: STATE_ANSWER })
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.read, 'state_not_found'])
  async get(
    @Param('type') stateType: string,
    @Param('id') stateId: string,
    @QueryParams(envelopeValidationPipe('invalid_query')) options: ReadOptionsDto,
  ) {
    await this.readYourWrites.await(['states'], options.minPosition);
    const record = await this.queryBus.execute(new GetStateQuery(stateType, stateId));
    if (!record) throw new ApiError('state_not_found', `${stateType}/${stateId} does not exist`, { stateType, stateId });
    return { state: record.state, version: record.version, stateType, stateId, lastMutationId: record.lastMutationId, updatedAt: record.updatedAt, position: record.position };
  }
}
