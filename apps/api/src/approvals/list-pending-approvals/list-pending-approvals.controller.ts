import type { Actor } from '@countersign/domain';
import { InvalidQueryError, ReadModelQueries, type Page, type PageRequest, type PendingApproval } from '@countersign/read-models';
import { CLOCK, type Clock } from '@countersign/runtime';
import { Controller, Get, Inject, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CurrentActor } from '../../auth/bearer-auth.guard.js';
import { ApiError } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';
import { PENDING_APPROVALS } from '../../openapi/tour-examples.js';

export class ListPendingApprovalsQuery extends Query<Page<PendingApproval>> {
  constructor(
    readonly principal: Actor,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(ListPendingApprovalsQuery)
export class ListPendingApprovalsHandler implements IQueryHandler<ListPendingApprovalsQuery, Page<PendingApproval>> {
  constructor(
    private readonly queries: ReadModelQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(query: ListPendingApprovalsQuery): Promise<Page<PendingApproval>> {
    return this.queries.pendingApprovals(query.principal, query.page, this.clock.now());
  }
}

@ApiTags('approvals')
@Controller('v1/approvals')
export class ListPendingApprovalsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** What the caller may approve now: their role is the current step's, and it is not their own request. */
  @Get('pending')
  @ApiOperation({
    operationId: 'listPendingApprovals',
    summary: 'What the caller may approve now',
    description: "Pending mutations whose current step's role is one of the caller's, not requested by the caller, not yet approved by the caller; earliest expiry first.",
  })
  @ApiAnswer(200, 'PendingApprovalPage', "the caller's approval queue", { queue: PENDING_APPROVALS })
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async list(@CurrentActor() principal: Actor, @QueryParams(envelopeValidationPipe('invalid_query')) query: PageQueryDto): Promise<Page<PendingApproval>> {
    await this.readYourWrites.await(['mutations'], query.minPosition);
    try {
      return await this.queryBus.execute(new ListPendingApprovalsQuery(principal, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor }));
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
  }
}
