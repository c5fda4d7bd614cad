import { BATCH_STATUSES, type BatchStatus } from '@countersign/domain';
import { BatchQueries, InvalidQueryError, type BatchFilters, type BatchRecord, type Page, type PageRequest } from '@countersign/read-models';
import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiError } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';

export class ListBatchesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: BATCH_STATUSES, description: "compensation_failed is the operator's queue, pending the approver's" })
  @IsOptional()
  @IsIn(BATCH_STATUSES)
  status?: BatchStatus;

  @ApiPropertyOptional({ maxLength: 200, description: 'the requester id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;
}

export class ListBatchesQuery extends Query<Page<BatchRecord>> {
  constructor(
    readonly filters: BatchFilters,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(ListBatchesQuery)
export class ListBatchesHandler implements IQueryHandler<ListBatchesQuery, Page<BatchRecord>> {
  constructor(private readonly batches: BatchQueries) {}

  execute(query: ListBatchesQuery): Promise<Page<BatchRecord>> {
    return this.batches.listBatches(query.filters, query.page);
  }
}

@ApiTags('batches')
@Controller('v1/batches')
export class ListBatchesController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** Newest first; `status=compensation_failed` is the operator's queue. `{ items, nextCursor }`. */
  @Get()
  @ApiOperation({ operationId: 'listBatches', summary: 'List batches', description: 'Newest first.' })
  @ApiAnswer(200, 'BatchPage', 'a page of batches')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async list(@QueryParams(envelopeValidationPipe('invalid_query')) query: ListBatchesQueryDto): Promise<Page<BatchRecord>> {
    await this.readYourWrites.await(['batches'], query.minPosition);
    try {
      return await this.queryBus.execute(
        new ListBatchesQuery({ ...(query.status ? { status: query.status } : {}), ...(query.actor ? { actor: query.actor } : {}) }, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor }),
      );
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
  }
}
