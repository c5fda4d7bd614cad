import { foldLane, evolveLane, isMutationEvent, laneStreamName, type LaneState, type MutationEvent } from '@countersign/domain';
import { EVENT_STORE, type EventStore, type ExpectedRevision, type NewEvent, type AppendResult } from '@countersign/event-store';
import { Inject, Injectable } from '@nestjs/common';

export interface LoadedLane {
  lane: LaneState;
  streamName: string;
  /** The stream revision the lane was folded up to: the expected revision of the next append. */
  revision: ExpectedRevision;
}

const CACHE_LIMIT = 10_000;

/**
 * Loads a lane by folding its stream. Folded lanes are cached with their revision, so the next
 * load only reads the events appended since (streams are append-only, so a cached fold is always
 * a prefix of the truth).
 */
@Injectable()
export class LaneRepository {
  private readonly cache = new Map<string, { lane: LaneState; revision: number }>();

  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  async load(stateType: string, stateId: string): Promise<LoadedLane> {
    const streamName = laneStreamName(stateType, stateId);
    const cached = this.cache.get(streamName);
    const recorded = await this.eventStore.readStream(streamName, { fromRevision: cached ? cached.revision + 1 : 0 });
    const events = recorded.filter(isMutationEvent) as unknown as MutationEvent[];
    const lane = cached ? events.reduce(evolveLane, cached.lane) : foldLane(stateType, stateId, events);
    const last = recorded[recorded.length - 1];
    const revision = last ? last.streamRevision : cached ? cached.revision : undefined;
    if (revision !== undefined) this.remember(streamName, lane, revision);
    return { lane, streamName, revision: revision ?? 'no_stream' };
  }

  /**
   * Every mutation event of a loaded lane's stream up to the revision it was folded at: the
   * history reverts and batch compensations decide on (submits never read it).
   */
  async history(loaded: LoadedLane): Promise<MutationEvent[]> {
    if (loaded.revision === 'no_stream') return [];
    const upTo = loaded.revision as number;
    const recorded = await this.eventStore.readStream(loaded.streamName, { maxCount: upTo + 1 });
    return recorded.filter((event) => event.streamRevision <= upTo && isMutationEvent(event)) as unknown as MutationEvent[];
  }

  /**
   * Appends with the revision the lane was loaded at. On success the cache moves to the new
   * revision with the events folded in, so the next load of this lane reads nothing it wrote itself.
   */
  async append(loaded: LoadedLane, events: NewEvent[]): Promise<AppendResult> {
    const result = await this.eventStore.appendToStream(loaded.streamName, events, { expectedRevision: loaded.revision });
    const mutationEvents = events.filter(isMutationEvent) as unknown as MutationEvent[];
    this.remember(loaded.streamName, mutationEvents.reduce(evolveLane, loaded.lane), result.nextExpectedRevision);
    return result;
  }

  private remember(streamName: string, lane: LaneState, revision: number): void {
    this.cache.delete(streamName);
    this.cache.set(streamName, { lane, revision });
    if (this.cache.size > CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
