import { InvalidQueryError, type MutationRecord, type Page } from '@countersign/read-models';
import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { ListMutationsQueryDto } from './list-mutations.dto.js';
import { ListMutationsQuery } from './list-mutations.query.js';

@Controller('v1/mutations')
export class ListMutationsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** Newest first; `{ items, nextCursor }`. */
  @Get()
  async list(@QueryParams(envelopeValidationPipe('invalid_query')) query: ListMutationsQueryDto): Promise<Page<MutationRecord>> {
    const { limit, cursor, minPosition, ...filters } = query;
    if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
      throw new ApiError('invalid_query', 'from must be before to', { parameter: 'from' });
    }
    await this.readYourWrites.await(['mutations'], minPosition);
    try {
      return await this.queryBus.execute(new ListMutationsQuery(filters, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }));
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
  }
}
