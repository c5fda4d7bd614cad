import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BatchCommands } from '../batches/batch-commands.js';
import { BatchSagaRunner } from '../batches/batch-saga-runner.js';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { CLOCK, type Clock } from '../lanes/clock.js';
import { LOG, type Log } from '../log.js';

interface StalledBatch {
  batch_id: string;
  status: string;
  attempts: number;
}

const BATCH = 20;

/**
 * Resumes batch sagas that stopped making progress — a crashed process, an error mid-way — and
 * expires pending batches. Candidates come from the `batches` read model: running or
 * compensating with no event for COUNTERSIGN_BATCH_RESUME_AFTER (so a saga another process is
 * driving right now is left alone), or pending past their expiry. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`; the saga itself is safe to drive twice (its stream's expected
 * revision and idempotent lane steps), so a claim is about not wasting work, not correctness.
 */
@Injectable()
export class BatchWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sagas: BatchSagaRunner,
    private readonly commands: BatchCommands,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
    @Inject(LOG) private readonly log: Log,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runWorker) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.resumeDue();
      } catch (error) {
        if (this.running) this.log(`batch worker: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (handled < BATCH) await this.pause(this.config.timerPollMs);
    }
  }

  /** Resumes or expires up to one batch of due batches; returns how many it handled. */
  async resumeDue(): Promise<number> {
    const now = this.clock.now();
    const stalledBefore = new Date(now.getTime() - this.config.batchResumeAfterMs).toISOString();
    return this.dataSource.transaction(async (manager) => {
      const due = (await manager.query(
        `SELECT batch_id, status, attempts FROM batches
         WHERE ((status IN ('running', 'compensating') AND updated_at <= $1) OR (status = 'pending' AND expires_at <= $2))
           AND (retry_at IS NULL OR retry_at <= $2)
         ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [stalledBefore, now.toISOString(), BATCH],
      )) as StalledBatch[];
      for (const row of due) {
        const correlationId = `batch-worker:${row.batch_id}`;
        try {
          if (row.status === 'pending') {
            await this.commands.run(row.batch_id, correlationId, (commandNow) => ({ type: 'ExpireBatch', batchId: row.batch_id, now: commandNow }));
          } else {
            await this.sagas.advance(row.batch_id, correlationId);
          }
          if (row.attempts > 0) await manager.query('UPDATE batches SET attempts = 0, last_error = NULL, retry_at = NULL WHERE batch_id = $1', [row.batch_id]);
        } catch (error) {
          const retryInMs = Math.min(60_000, 1_000 * 2 ** Math.min(row.attempts, 6));
          await manager.query('UPDATE batches SET attempts = attempts + 1, last_error = $2, retry_at = $3 WHERE batch_id = $1', [
            row.batch_id,
            error instanceof Error ? error.message : String(error),
            new Date(now.getTime() + retryInMs).toISOString(),
          ]);
          this.log(`batch ${row.batch_id} could not be resumed, retrying in ${retryInMs} ms: ${String(error)}`);
        }
      }
      return due.length;
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
