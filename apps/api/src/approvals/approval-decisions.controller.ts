import { InvalidQueryError, ReadModelQueries, type ApprovalDecisionFilters, type ApprovalDecisionRecord, type Page, type PageRequest } from '@countersign/read-models';
import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsTimestamp } from '../http/validators.js';
import { ApiError } from '../http/api-error.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from '../http/pagination.dto.js';
import { ReadYourWrites } from '../http/read-your-writes.js';
import { envelopeValidationPipe } from '../http/validation.js';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../http/api-error.schema.js';
import { ApiAnswer } from '../openapi/api-answer.decorator.js';

class ApprovalDecisionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'the approver id' }) @IsOptional() @IsString() @MaxLength(200) approver?: string;
  @ApiPropertyOptional({ maxLength: 100 }) @IsOptional() @IsString() @MaxLength(100) role?: string;
  @ApiPropertyOptional({ enum: ['approve', 'reject'] }) @IsOptional() @IsIn(['approve', 'reject']) decision?: 'approve' | 'reject';
  @ApiPropertyOptional({ maxLength: 63 }) @IsOptional() @IsString() @MaxLength(63) stateType?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'decided at or after' }) @IsOptional() @IsTimestamp() from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'decided before' }) @IsOptional() @IsTimestamp() to?: string;
}

export class ListApprovalDecisionsQuery extends Query<Page<ApprovalDecisionRecord>> {
  constructor(
    readonly filters: ApprovalDecisionFilters,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(ListApprovalDecisionsQuery)
export class ListApprovalDecisionsHandler implements IQueryHandler<ListApprovalDecisionsQuery, Page<ApprovalDecisionRecord>> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: ListApprovalDecisionsQuery): Promise<Page<ApprovalDecisionRecord>> {
    return this.queries.approvalDecisions(query.filters, query.page);
  }
}

@ApiTags('approvals')
@Controller('v1/approvals')
export class ApprovalDecisionsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** Recent approval decisions: who approved or rejected what, and how long after the request. */
  @Get('decisions')
  @ApiOperation({ operationId: 'listApprovalDecisions', summary: 'Recent approval decisions', description: 'Who approved or rejected what, and how long after the request; most recent first.' })
  @ApiAnswer(200, 'ApprovalDecisionPage', 'a page of decisions')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async list(@QueryParams(envelopeValidationPipe('invalid_query')) query: ApprovalDecisionsQueryDto): Promise<Page<ApprovalDecisionRecord>> {
    const { limit, cursor, minPosition, ...filters } = query;
    if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
      throw new ApiError('invalid_query', 'from must be before to', { parameter: 'from' });
    }
    await this.readYourWrites.await(['mutations'], minPosition);
    try {
      return await this.queryBus.execute(new ListApprovalDecisionsQuery(filters, { limit: limit ?? DEFAULT_PAGE_SIZE, cursor }));
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
  }
}
