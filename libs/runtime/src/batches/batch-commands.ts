import { batchStreamName, decideBatchCommand, type BatchCommand, type BatchCommandOutcome, type BatchState } from '@countersign/domain';
import { StreamRevisionConflictError } from '@countersign/event-store';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '../lanes/clock.js';
import { LaneBusyError, MAX_APPEND_ATTEMPTS } from '../lanes/lane-executor.js';
import { LaneLocks } from '../lanes/lane-locks.js';
import { BatchSagaRunner } from './batch-saga-runner.js';

/** Runs a command on a batch (approve, reject, cancel, expire, retry a compensation): load its stream, decide, append with the expected revision. */
@Injectable()
export class BatchCommands {
  constructor(
    private readonly sagas: BatchSagaRunner,
    private readonly locks: LaneLocks,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Undefined when there is no such batch. */
  run(batchId: string, correlationId: string, command: (now: string) => BatchCommand): Promise<{ outcome: BatchCommandOutcome; state: BatchState; position?: number } | undefined> {
    return this.locks.run(batchStreamName(batchId), async () => {
      for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
        const { state, revision } = await this.sagas.load(batchId);
        if (!state.exists) return undefined;
        const outcome = decideBatchCommand(command(this.clock.now().toISOString()), state, () => this.ids.next());
        if (outcome.kind !== 'recorded') return { outcome, state };
        try {
          const { position } = await this.sagas.append(batchId, revision, outcome.events, correlationId);
          return { outcome, state: outcome.state, position };
        } catch (error) {
          if (!(error instanceof StreamRevisionConflictError)) throw error;
        }
      }
      throw new LaneBusyError('batch', batchId);
    });
  }
}
