import { laneName, laneStreamName, withLifecycle, type LaneState, type MutationEvent } from '@countersign/domain';
import { StreamRevisionConflictError } from '@countersign/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from './clock.js';
import { LaneLocks } from './lane-locks.js';
import { LaneRepository } from './lane-repository.js';

/** What a decision on a lane produced: events to append (possibly none) and a result for the caller. */
export interface LaneDecision<Result> {
  events: MutationEvent[];
  result: Result;
}

export interface LaneRun<Result> {
  result: Result;
  /** Log position of the last appended event; undefined when nothing was appended. */
  position?: number;
  /** The lane after the appended events were folded in. */
  attempts: number;
}

/** Appends lost to another replica on the same lane are retried this many times (ADR 0004). */
export const MAX_APPEND_ATTEMPTS = 10;

export class LaneBusyError extends Error {
  readonly code = 'lane_busy';
  constructor(readonly stateType: string, readonly stateId: string) {
    super(`state ${stateType}/${stateId} is changing too fast; retry later`);
  }
}

/**
 * Runs one command on one lane: load (fold), decide with the pure domain, append with the
 * expected revision; on a lost race reload and decide again. Every command appends to exactly
 * one stream. Used by the API's command handlers and the worker's timers alike.
 */
@Injectable()
export class LaneExecutor {
  constructor(
    private readonly lanes: LaneRepository,
    private readonly locks: LaneLocks,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  run<Result>(
    stateType: string,
    stateId: string,
    metadata: { correlationId: string; causationId: string },
    decide: (lane: LaneState, now: string) => LaneDecision<Result>,
    onRetry?: () => void,
  ): Promise<LaneRun<Result>> {
    return this.attempt(stateType, stateId, metadata, false, (lane, now) => decide(lane, now), onRetry);
  }

  /**
   * As `run`, and the decision also sees every event of the lane up to the folded revision (its
   * history): for reverts and compensations, which must know what changed since a mutation.
   */
  runWithHistory<Result>(
    stateType: string,
    stateId: string,
    metadata: { correlationId: string; causationId: string },
    decide: (lane: LaneState, now: string, history: MutationEvent[]) => LaneDecision<Result>,
    onRetry?: () => void,
  ): Promise<LaneRun<Result>> {
    return this.attempt(stateType, stateId, metadata, true, decide, onRetry);
  }

  private async attempt<Result>(
    stateType: string,
    stateId: string,
    metadata: { correlationId: string; causationId: string },
    withHistory: boolean,
    decide: (lane: LaneState, now: string, history: MutationEvent[]) => LaneDecision<Result>,
    onRetry?: () => void,
  ): Promise<LaneRun<Result>> {
    return this.locks.run(laneStreamName(stateType, stateId), async () => {
      for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
        const loaded = await this.lanes.load(stateType, stateId);
        const history = withHistory ? await this.lanes.history(loaded) : [];
        const decision = decide(loaded.lane, this.clock.now().toISOString(), history);
        if (decision.events.length === 0) return { result: decision.result, attempts: attempt };
        const events = withLifecycle(loaded.lane, decision.events);
        const lane = laneName(stateType, stateId);
        try {
          const appended = await this.lanes.append(
            loaded,
            events.map((event, index) => ({
              id: eventIdOf(event, () => this.ids.next()),
              type: event.type,
              data: event.data,
              metadata: { ...metadata, lane, laneSequence: loaded.lane.sequence + index },
            })),
          );
          return { result: decision.result, position: appended.position, attempts: attempt };
        } catch (error) {
          if (!(error instanceof StreamRevisionConflictError)) throw error;
          onRetry?.();
        }
      }
      throw new LaneBusyError(stateType, stateId);
    });
  }

  newId(): string {
    return this.ids.next();
  }
}

/**
 * A mutation's request event takes the mutation's id as its event id, so the event store's
 * idempotent append refuses to record one mutation twice (a retry after a crash cannot execute
 * again: it fails with IdempotencyMismatchError). Other events get fresh ids.
 */
function eventIdOf(event: MutationEvent, fresh: () => string): string {
  return event.type === 'MutationRequested' ? event.data.mutationId : fresh();
}
