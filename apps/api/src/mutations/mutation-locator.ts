import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { ReadModelQueries } from '@countersign/read-models';
import { RUNTIME_CONFIG, type CountersignConfig } from '@countersign/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../http/api-error.js';

/** Finds the lane (state) of a mutation through the read model, waiting once for projections to reach the log head when it is not there yet. */
@Injectable()
export class MutationLocator {
  constructor(
    private readonly queries: ReadModelQueries,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
  ) {}

  async locate(mutationId: string): Promise<{ stateType: string; stateId: string; status: string }> {
    let address = await this.queries.locateMutation(mutationId);
    if (!address) {
      await this.queries.waitForPosition(['mutations'], await this.eventStore.headPosition(), this.config.readWaitTimeoutMs);
      address = await this.queries.locateMutation(mutationId);
    }
    if (!address) throw new ApiError('mutation_not_found', `no mutation ${mutationId}`, { mutationId });
    return address;
  }
}
