import type { Actor } from '@countersign/domain';
import { InvalidQueryError, SIDE_EFFECT_STATUSES, SideEffectQueries, type Page, type SideEffectRecord, type SideEffectStatus } from '@countersign/read-models';
import { CLOCK, type Clock } from '@countersign/runtime';
import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query as QueryParams } from '@nestjs/common';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CurrentActor } from '../auth/bearer-auth.guard.js';
import { ApiError } from '../http/api-error.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto, ReadOptionsDto } from '../http/pagination.dto.js';
import { ReadYourWrites } from '../http/read-your-writes.js';
import { envelopeValidationPipe } from '../http/validation.js';
import { ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../http/api-error.schema.js';
import { ApiAnswer } from '../openapi/api-answer.decorator.js';

export class ListSideEffectsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SIDE_EFFECT_STATUSES })
  @IsOptional()
  @IsIn(SIDE_EFFECT_STATUSES)
  status?: SideEffectStatus;

  @ApiPropertyOptional({ maxLength: 320 })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  type?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  mutationId?: string;
}

export class DeadLettersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ maxLength: 320 })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  type?: string;
}

const deliveryIdPipe = () => new ParseUUIDPipe({ exceptionFactory: () => new ApiError('invalid_request', 'delivery id must be a uuid', { field: 'deliveryId' }) });

/** The roles that may send a dead letter back to the queue. */
const RETRY_ROLES = ['admin'];

/** The outbox: side effects and their delivery, the dead letters, and an operator's retry. */
@ApiTags('side-effects')
@Controller('v1/side-effects')
export class SideEffectsController {
  constructor(
    private readonly sideEffects: SideEffectQueries,
    private readonly readYourWrites: ReadYourWrites,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Newest first; filter by `status` (pending, delivered, dead), `type`, `mutationId`. */
  @Get()
  @ApiOperation({ operationId: 'listSideEffects', summary: 'List side effects and their delivery', description: 'Newest first.' })
  @ApiAnswer(200, 'SideEffectPage', 'a page of side effects')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async list(@QueryParams(envelopeValidationPipe('invalid_query')) query: ListSideEffectsQueryDto): Promise<Page<SideEffectRecord>> {
    await this.readYourWrites.await(['side_effects'], query.minPosition);
    const { status, type, mutationId } = query;
    return this.page({ ...(status ? { status } : {}), ...(type ? { type } : {}), ...(mutationId ? { mutationId } : {}) }, query);
  }

  /** Side effects that exhausted their attempts (COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS), newest first. */
  @Get('dead-letters')
  @ApiOperation({ operationId: 'listDeadLetters', summary: 'Side effects that exhausted their delivery attempts', description: 'Newest first.' })
  @ApiAnswer(200, 'SideEffectPage', 'a page of dead letters')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async deadLetters(@QueryParams(envelopeValidationPipe('invalid_query')) query: DeadLettersQueryDto): Promise<Page<SideEffectRecord>> {
    await this.readYourWrites.await(['side_effects'], query.minPosition);
    return this.page({ status: 'dead', ...(query.type ? { type: query.type } : {}) }, query);
  }

  @Get(':deliveryId')
  @ApiOperation({ operationId: 'getSideEffect', summary: 'A side effect and its delivery' })
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiAnswer(200, 'SideEffect', 'the side effect')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.read, 'side_effect_not_found'])
  async get(@Param('deliveryId', deliveryIdPipe()) deliveryId: string, @QueryParams(envelopeValidationPipe('invalid_query')) options: ReadOptionsDto): Promise<SideEffectRecord> {
    await this.readYourWrites.await(['side_effects'], options.minPosition);
    const record = await this.sideEffects.get(deliveryId);
    if (!record) throw new ApiError('side_effect_not_found', `no side effect ${deliveryId}`, { deliveryId });
    return record;
  }

  /** An admin sends a dead letter back to the queue (attempts start over), after fixing the receiver. */
  @Post(':deliveryId/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retrySideEffect', summary: 'Send a dead letter back to the queue', description: 'An admin, after fixing the receiver: due now, attempts from zero.' })
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiAnswer(200, 'SideEffect', 'the side effect, pending again')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, 'forbidden', 'side_effect_not_found', 'side_effect_not_dead'])
  async retry(@Param('deliveryId', deliveryIdPipe()) deliveryId: string, @CurrentActor() actor: Actor): Promise<SideEffectRecord> {
    if (!actor.roles.some((role) => RETRY_ROLES.includes(role))) throw new ApiError('forbidden', 'retrying a dead letter needs the admin role', { roles: RETRY_ROLES });
    const retried = await this.sideEffects.retryDead(deliveryId, this.clock.now());
    if (retried) return retried;
    const existing = await this.sideEffects.get(deliveryId);
    if (!existing) throw new ApiError('side_effect_not_found', `no side effect ${deliveryId}`, { deliveryId });
    throw new ApiError('side_effect_not_dead', `side effect ${deliveryId} is ${existing.status}; only dead letters are retried`, { deliveryId, status: existing.status });
  }

  private async page(filters: Parameters<SideEffectQueries['list']>[0], query: PageQueryDto): Promise<Page<SideEffectRecord>> {
    try {
      return await this.sideEffects.list(filters, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor });
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
  }
}
