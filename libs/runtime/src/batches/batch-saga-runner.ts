import {
  batchStreamName,
  decideBatchStep,
  decideStepCompensation,
  evolveBatch,
  foldBatch,
  isBatchEvent,
  laneHistory,
  nextBatchAction,
  recordCompensation,
  recordStepOutcome,
  stepOutcomeFromHistory,
  type BatchEvent,
  type BatchState,
  type BatchStep,
  type CompensationEntry,
  type CompensationResult,
  type StepOutcome,
} from '@countersign/domain';
import { EVENT_STORE, IdempotencyMismatchError, StreamRevisionConflictError, type EventStore, type ExpectedRevision } from '@countersign/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../lanes/clock.js';
import { LaneExecutor } from '../lanes/lane-executor.js';
import { LaneLocks } from '../lanes/lane-locks.js';
import { LOG, type Log } from '../log.js';
import { FaultPoints } from './fault-points.js';

export interface LoadedBatch {
  state: BatchState;
  /** The expected revision of the next append to the batch's stream. */
  revision: ExpectedRevision;
}

/**
 * Drives batch sagas. The saga's state is its stream (`batch-<id>`); each round loads it,
 * asks the pure `nextBatchAction` what to do, does it on the step's lane (idempotently: the
 * step's and compensation's mutation ids were fixed in the batch stream before they run), and
 * records the result in the batch stream with the expected revision. A crash anywhere leaves
 * either nothing done, or something done on a lane that the next round finds there; so the API
 * (right after admission or approval) and the workers (resuming what stalled) can both drive it.
 */
@Injectable()
export class BatchSagaRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly lanes: LaneExecutor,
    private readonly locks: LaneLocks,
    private readonly contracts: ContractRegistry,
    private readonly faults: FaultPoints,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(LOG) private readonly log: Log,
  ) {}

  async load(batchId: string): Promise<LoadedBatch> {
    const recorded = await this.eventStore.readStream(batchStreamName(batchId));
    const events = recorded.filter(isBatchEvent) as unknown as BatchEvent[];
    const last = recorded[recorded.length - 1];
    return { state: foldBatch(batchId, events), revision: last ? last.streamRevision : 'no_stream' };
  }

  /** Appends to a batch's stream with the expected revision; the request event takes the batch id as its event id, so a batch is recorded once. */
  async append(batchId: string, revision: ExpectedRevision, events: readonly BatchEvent[], correlationId: string): Promise<{ position: number; revision: number }> {
    const appended = await this.eventStore.appendToStream(
      batchStreamName(batchId),
      events.map((event) => ({
        id: event.type === 'BatchRequested' ? batchId : this.ids.next(),
        type: event.type,
        data: event.data,
        metadata: { correlationId, causationId: batchId },
      })),
      { expectedRevision: revision },
    );
    if (events.some((event) => event.type === 'BatchAlertRaised')) {
      for (const event of events) if (event.type === 'BatchAlertRaised') this.log(`ALERT batch ${batchId}: ${event.data.message}`);
    }
    return { position: appended.position, revision: appended.nextExpectedRevision };
  }

  /**
   * Advances a batch until it waits (pending, compensation_failed) or ends; returns its state and
   * the position of the last event this call appended (to any stream).
   */
  advance(batchId: string, correlationId: string): Promise<{ state: BatchState; position: number | undefined }> {
    return this.locks.run(batchStreamName(batchId), async () => {
      let position: number | undefined;
      let { state, revision } = await this.load(batchId);
      for (let round = 0; round < 4 * state.steps.length + 10; round += 1) {
        const action = nextBatchAction(state, this.clock.now().toISOString());
        if (action.kind === 'idle') return { state, position };
        let events: BatchEvent[];
        if (action.kind === 'finish') {
          events = action.events;
        } else if (action.kind === 'execute') {
          const done = await this.executeStep(state, action.step, correlationId);
          if (done.position !== undefined) position = done.position;
          events = recordStepOutcome(state, action.step, done.outcome, () => this.ids.next(), this.clock.now().toISOString());
        } else {
          const done = await this.compensate(state, action.entry, action.step, correlationId);
          if (done.position !== undefined) {
            position = done.position;
            this.faults.hit('batch.compensation.applied');
          }
          events = recordCompensation(state, action.entry, done.result, this.clock.now().toISOString());
        }
        try {
          ({ position, revision } = await this.append(batchId, revision, events, correlationId));
        } catch (error) {
          // Another process advanced the same batch: reload and decide again from what it recorded.
          if (!(error instanceof StreamRevisionConflictError)) throw error;
          ({ state, revision } = await this.load(batchId));
          continue;
        }
        state = events.reduce(evolveBatch, state);
        if (events.some((event) => event.type === 'BatchCompensationStarted')) this.faults.hit('batch.compensation.started');
      }
      throw new Error(`batch ${batchId} did not settle`);
    });
  }

  /** Runs a step's mutation on its lane; a step already recorded there (before a crash) is read back, never run twice. */
  private async executeStep(state: BatchState, step: BatchStep, correlationId: string): Promise<{ outcome: StepOutcome; position?: number }> {
    const contract = this.contracts.get(step.stateType);
    if (!contract) return { outcome: { outcome: 'failed', version: null, code: 'unknown_contract', reason: `the contract "${step.stateType}" is no longer registered` } };
    const metadata = { correlationId, causationId: step.mutationId };
    try {
      const run = await this.lanes.run(step.stateType, step.stateId, metadata, (lane, now) => {
        const execution = decideBatchStep(state, step, lane, contract, now);
        return { events: execution.events, result: execution.outcome };
      });
      return { outcome: run.result, position: run.position };
    } catch (error) {
      if (!(error instanceof IdempotencyMismatchError)) throw error;
      const run = await this.lanes.runWithHistory(step.stateType, step.stateId, metadata, (_lane, _now, history) => ({ events: [], result: stepOutcomeFromHistory(laneHistory(history), step.mutationId) }));
      if (!run.result) throw error;
      return { outcome: run.result };
    }
  }

  private async compensate(state: BatchState, entry: CompensationEntry, step: BatchStep, correlationId: string): Promise<{ result: CompensationResult; position?: number }> {
    const contract = this.contracts.get(step.stateType);
    if (!contract) return { result: { kind: 'failed', code: 'unknown_contract', reason: `the contract "${step.stateType}" is no longer registered` } };
    const run = await this.lanes.runWithHistory(step.stateType, step.stateId, { correlationId, causationId: entry.compensationId }, (lane, now, history) => {
      const decided = decideStepCompensation(state, entry, lane, laneHistory(history), contract, now);
      return { events: decided.events, result: decided.result };
    });
    return { result: run.result, position: run.position };
  }
}
