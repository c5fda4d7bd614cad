import type { Actor } from '@countersign/domain';
import { allProjections, ParkedEvents, type ParkedEvent } from '@countersign/read-models';
import { Controller, Get, HttpCode, Param, Post, Query as QueryParams } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentActor } from '../auth/bearer-auth.guard.js';
import { ApiError } from '../http/api-error.js';
import { envelopeValidationPipe } from '../http/validation.js';
import { ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../http/api-error.schema.js';
import { ApiAnswer } from '../openapi/api-answer.decorator.js';

const PROJECTIONS = allProjections.map((projection) => projection.name);

class ParkedQueryDto {
  @ApiPropertyOptional({ enum: PROJECTIONS })
  @IsOptional() @IsIn(PROJECTIONS) projection?: string;
}

/**
 * Poison events: events a projection could not apply, parked with their error and position so
 * the projection keeps going (docs/operations.md). Anyone may look; an admin retries one after
 * the projection was fixed.
 */
@ApiTags('operations')
@Controller('v1/projections/parked')
export class ParkedEventsController {
  constructor(private readonly parked: ParkedEvents) {}

  @Get()
  @ApiOperation({ operationId: 'listParkedEvents', summary: 'Poison events parked by the projections', description: 'Oldest first.' })
  @ApiAnswer(200, 'ParkedEventList', 'the parked events')
  @ApiErrors([...ROUTE_ERRORS.authenticated])
  async list(@QueryParams(envelopeValidationPipe('invalid_query')) query: ParkedQueryDto): Promise<{ items: ParkedEvent[] }> {
    return { items: await this.parked.list(query.projection) };
  }

  @Post(':projection/:position/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryParkedEvent', summary: 'Apply a parked event again', description: "An admin, after the projection was fixed: applies it with the projection's current code and removes it from the list." })
  @ApiParam({ name: 'projection', enum: PROJECTIONS })
  @ApiParam({ name: 'position', schema: { type: 'string', pattern: '^[0-9]{1,15}$' }, description: 'the log position of the parked event' })
  @ApiAnswer(200, 'ParkedEventRetried', 'applied and no longer parked')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.body, ...ROUTE_ERRORS.path, 'forbidden', 'parked_event_not_found', 'projection_failed'])
  async retry(@Param('projection') projection: string, @Param('position') position: string, @CurrentActor() actor: Actor): Promise<{ status: 'applied'; event: ParkedEvent }> {
    if (!actor.roles.includes('admin')) throw new ApiError('forbidden', 'retrying a parked event needs the admin role', { role: 'admin' });
    if (!PROJECTIONS.includes(projection)) throw new ApiError('invalid_request', `unknown projection "${projection}"`, { field: 'projection', projections: PROJECTIONS });
    if (!/^\d{1,15}$/.test(position) || Number(position) < 1) throw new ApiError('invalid_request', 'position must be a positive integer', { field: 'position' });
    const outcome = await this.parked.retry(projection, Number(position));
    switch (outcome.kind) {
      case 'not_parked':
        throw new ApiError('parked_event_not_found', `no event at position ${position} is parked for ${projection}`, { projection, position: Number(position) });
      case 'failed':
        throw new ApiError('projection_failed', `the projection failed again: ${outcome.error}`, { projection, position: Number(position), error: outcome.error, attempts: outcome.event.attempts });
      case 'applied':
        return { status: 'applied', event: outcome.event };
    }
  }
}
