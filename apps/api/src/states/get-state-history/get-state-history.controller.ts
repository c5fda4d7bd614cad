import { InvalidQueryError, type Page, type StateHistoryItem } from '@countersign/read-models';
import { Controller, Get, Param, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { GetStateHistoryQuery } from './get-state-history.query.js';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';

@ApiTags('states')
@Controller('v1/states')
export class GetStateHistoryController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** One item per applied version, oldest first; `{ items, nextCursor }`; 404 like the state route when it has none. */
  @Get(':type/:id/history')
  @ApiOperation({ operationId: 'getStateHistory', summary: 'The history of a state', description: 'One item per applied version, oldest first. A state with no applied version does not exist.' })
  @ApiParam({ name: 'type', description: 'the stateType' })
  @ApiParam({ name: 'id', description: 'the stateId' })
  @ApiAnswer(200, 'StateHistoryPage', 'a page of versions')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.read, 'state_not_found'])
  async history(
    @Param('type') stateType: string,
    @Param('id') stateId: string,
    @QueryParams(envelopeValidationPipe('invalid_query')) query: PageQueryDto,
  ) {
    // minPosition first: a state created at or before it must not be reported missing.
    await this.readYourWrites.await(['state_history'], query.minPosition);
    let page: Page<StateHistoryItem> | null;
    try {
      page = await this.queryBus.execute(new GetStateHistoryQuery(stateType, stateId, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor }));
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
    if (!page) throw new ApiError('state_not_found', `${stateType}/${stateId} does not exist`, { stateType, stateId });
    return page;
  }
}
