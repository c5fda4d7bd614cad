import { type CountersignConfig } from '@countersign/runtime';
import { ReadModelQueries } from '@countersign/read-models';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../app-config.js';
import { ApiError } from './api-error.js';

/** `minPosition` on reads: wait (bounded) until the projections behind a route have reached the caller's write. */
@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly queries: ReadModelQueries,
    @Inject(APP_CONFIG) private readonly config: CountersignConfig,
  ) {}

  async await(projections: readonly string[], minPosition: number | undefined): Promise<void> {
    if (minPosition === undefined || minPosition <= 0) return;
    const reached = await this.queries.waitForPosition(projections, minPosition, this.config.readWaitTimeoutMs);
    if (!reached) {
      throw new ApiError(
        'projection_lag',
        `read models have not reached position ${minPosition} within ${this.config.readWaitTimeoutMs} ms; retry`,
        { minPosition, projections },
        { headers: { 'retry-after': '1' } },
      );
    }
  }
}
