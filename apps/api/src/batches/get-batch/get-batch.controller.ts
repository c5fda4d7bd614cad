import { BatchQueries, type BatchRecord } from '@countersign/read-models';
import { Controller, Get, Param, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { ReadOptionsDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { batchIdPipe } from '../batch-id.pipe.js';

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

@Controller('v1/batches')
export class GetBatchController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** The batch, its steps and what became of each. */
  @Get(':id')
  async get(@Param('id', batchIdPipe()) id: string, @QueryParams(envelopeValidationPipe('invalid_query')) options: ReadOptionsDto): Promise<BatchRecord> {
    await this.readYourWrites.await(['batches'], options.minPosition);
    const batch = await this.queryBus.execute(new GetBatchQuery(id));
    if (!batch) throw new ApiError('batch_not_found', `no batch ${id}`, { batchId: id });
    return batch;
  }
}
