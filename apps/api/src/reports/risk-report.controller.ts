import { ReadModelQueries, type RiskReport } from '@countersign/read-models';
import { CLOCK, type Clock } from '@countersign/runtime';
import { Controller, Get, Inject, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IsOptional } from 'class-validator';
import { IsTimestamp } from '../http/validators.js';
import { ApiError } from '../http/api-error.js';
import { ReadOptionsDto } from '../http/pagination.dto.js';
import { ReadYourWrites } from '../http/read-your-writes.js';
import { envelopeValidationPipe } from '../http/validation.js';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../http/api-error.schema.js';
import { ApiAnswer } from '../openapi/api-answer.decorator.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest window one report covers. */
const MAX_WINDOW_DAYS = 366;

class RiskReportQueryDto extends ReadOptionsDto {
  /** Requests at or after (default: 30 days before `to`). */
  @ApiPropertyOptional({ format: 'date-time', description: 'requests at or after (default: 30 days before to)' })
  @IsOptional() @IsTimestamp() from?: string;
  /** Requests before (default: now). */
  @ApiPropertyOptional({ format: 'date-time', description: 'requests before (default: now)' })
  @IsOptional() @IsTimestamp() to?: string;
}

export class RiskReportQuery extends Query<RiskReport> {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super();
  }
}

@QueryHandler(RiskReportQuery)
export class RiskReportHandler implements IQueryHandler<RiskReportQuery, RiskReport> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: RiskReportQuery): Promise<RiskReport> {
    return this.queries.riskReport(query.from, query.to);
  }
}

@ApiTags('reports')
@Controller('v1/reports')
export class RiskReportController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Counts by risk level, category and day; top actors and states by high/critical; blast radius totals. */
  @Get('risk')
  @ApiOperation({ operationId: 'getRiskReport', summary: 'The risk report of a time window', description: `Mutations requested in [from, to), at most ${MAX_WINDOW_DAYS} days.` })
  @ApiAnswer(200, 'RiskReport', 'the report')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async risk(@QueryParams(envelopeValidationPipe('invalid_query')) query: RiskReportQueryDto): Promise<RiskReport> {
    const to = query.to ? Date.parse(query.to) : this.clock.now().getTime();
    const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS;
    if (from >= to) throw new ApiError('invalid_query', 'from must be before to', { parameter: 'from' });
    if (to - from > MAX_WINDOW_DAYS * DAY_MS) throw new ApiError('invalid_query', `a report covers at most ${MAX_WINDOW_DAYS} days`, { parameter: 'from' });
    await this.readYourWrites.await(['mutations'], query.minPosition);
    return this.queryBus.execute(new RiskReportQuery(new Date(from).toISOString(), new Date(to).toISOString()));
  }
}
