import { BatchQueries, type BatchRecord } from '@countersign/read-models';
import { Controller, Get, Param, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { ReadOptionsDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { batchIdPipe } from '../batch-id.pipe.js';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';

export class GetBatchQuery extends Query<BatchRecord | null> {
  constructor(readonly batchId: string) {
    super();
  }
}

@QueryHandler(GetBatchQuery)
export class GetBatchHandler implements IQueryHandler<GetBatchQuery, BatchRecord | null> {
  constructor(private readonly batches: BatchQueries) {}

  execute(query: GetBatchQuery): Promise<BatchRecord | null> {
    return this.batches.getBatch(query.batchId);
  }
}

@ApiTags('batches')
@Controller('v1/batches')
export class GetBatchController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** The batch, its steps and what became of each. */
  @Get(':id')
  @ApiOperation({ operationId: 'getBatch', summary: 'A batch, its steps and what became of each' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the batchId' })
  @ApiAnswer(200, 'Batch', 'the batch')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.read, 'batch_not_found'])
  async get(@Param('id', batchIdPipe()) id: string, @QueryParams(envelopeValidationPipe('invalid_query')) options: ReadOptionsDto): Promise<BatchRecord> {
    await this.readYourWrites.await(['batches'], options.minPosition);
    const batch = await this.queryBus.execute(new GetBatchQuery(id));
    if (!batch) throw new ApiError('batch_not_found', `no batch ${id}`, { batchId: id });
    return batch;
  }
}
