import type { Actor } from '@countersign/domain';
import { allProjections, ParkedEvents, type ParkedEvent } from '@countersign/read-models';
import { Controller, Get, HttpCode, Param, Post, Query as QueryParams } from '@nestjs/common';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentActor } from '../auth/bearer-auth.guard.js';
import { ApiError } from '../http/api-error.js';
import { envelopeValidationPipe } from '../http/validation.js';

const PROJECTIONS = allProjections.map((projection) => projection.name);

class ParkedQueryDto {
  @IsOptional() @IsIn(PROJECTIONS) projection?: string;
}

/**
 * Poison events: events a projection could not apply, parked with their error and position so
 * the projection keeps going (docs/operations.md). Anyone may look; an admin retries one after
 * the projection was fixed.
 */
@Controller('v1/projections/parked')
export class ParkedEventsController {
  constructor(private readonly parked: ParkedEvents) {}

  @Get()
  async list(@QueryParams(envelopeValidationPipe('invalid_query')) query: ParkedQueryDto): Promise<{ items: ParkedEvent[] }> {
    return { items: await this.parked.list(query.projection) };
  }

  @Post(':projection/:position/retry')
  @HttpCode(200)
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
