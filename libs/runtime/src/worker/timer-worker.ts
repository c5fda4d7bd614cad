import type { MutationStatus } from '@countersign/domain';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { CLOCK, type Clock } from '../lanes/clock.js';
import { PendingCommands } from '../lanes/pending-commands.js';
import { LOG, type Log } from '../log.js';
import { IdempotencyStore } from '../protocol/idempotency-store.js';

interface DueTimer {
  mutation_id: string;
  kind: 'expire' | 'schedule' | 'dependency';
  state_type: string;
  state_id: string;
  attempts: number;
}

interface ReadyDependency {
  dependent_id: string;
  dependency_id: string;
  state_type: string;
  state_id: string;
  outcome: MutationStatus;
  attempts: number;
}

const BATCH = 50;
const PRUNE_EVERY_MS = 60_000;

const TIMER_COMMANDS = { expire: 'ExpireMutation', schedule: 'ReachSchedule', dependency: 'TimeOutDependencies' } as const;

/**
 * Fires due timers (`timers`, kept by the timers projection) and drives the dependency saga:
 * every `mutation_dependencies` row whose dependency has ended becomes a ResolveDependency
 * command on the dependent's lane. It also prunes idempotency keys past their window. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so replicas split the work; the command a timer runs is idempotent
 * on the lane (an expired or already-scheduled mutation records nothing), so even a timer fired
 * again after a crash records its event once.
 */
@Injectable()
export class TimerWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: PendingCommands,
    private readonly idempotency: IdempotencyStore,
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
    let prunedAt = 0;
    while (this.running) {
      let fired = 0;
      try {
        fired = (await this.fireDue()) + (await this.signalDependencies());
        if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          await this.idempotency.prune();
        }
      } catch (error) {
        if (this.running) this.log(`timer worker: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (fired < BATCH) await this.pause(this.config.timerPollMs);
    }
  }

  /** Fires up to one batch of due timers; returns how many fired (or failed and were rescheduled). */
  async fireDue(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const due = (await manager.query(
        `SELECT mutation_id, kind, state_type, state_id, attempts FROM timers
         WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now.toISOString(), BATCH],
      )) as DueTimer[];
      let fired = 0;
      for (const timer of due) {
        try {
          const { outcome } = await this.commands.run(
            { mutationId: timer.mutation_id, stateType: timer.state_type, stateId: timer.state_id },
            `timer:${timer.kind}:${timer.mutation_id}`,
            (commandNow) => ({ type: TIMER_COMMANDS[timer.kind], mutationId: timer.mutation_id, now: commandNow }),
          );
          if (outcome.kind === 'unchanged' && outcome.notDue) continue; // the lane's deadline moved later; the projection will move the row
          fired += 1;
          await manager.query('UPDATE timers SET fired_at = $3 WHERE mutation_id = $1 AND kind = $2', [timer.mutation_id, timer.kind, now.toISOString()]);
        } catch (error) {
          fired += 1;
          const retryInMs = Math.min(60_000, 1_000 * 2 ** Math.min(timer.attempts, 6));
          await manager.query(
            `UPDATE timers SET attempts = attempts + 1, last_error = $3, due_at = $4 WHERE mutation_id = $1 AND kind = $2`,
            [timer.mutation_id, timer.kind, error instanceof Error ? error.message : String(error), new Date(now.getTime() + retryInMs).toISOString()],
          );
          this.log(`timer ${timer.kind} of ${timer.mutation_id} failed, retrying in ${retryInMs} ms: ${String(error)}`);
        }
      }
      return fired;
    });
  }

  /**
   * Sends each dependent the outcome of a dependency that ended; returns how many rows it handled.
   * The command is idempotent on the lane (a resolved dependency or an ended dependent records
   * nothing), so a signal repeated after a crash is harmless.
   */
  async signalDependencies(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const ready = (await manager.query(
        `SELECT dependent_id, dependency_id, state_type, state_id, outcome, attempts FROM mutation_dependencies
         WHERE outcome IS NOT NULL AND signalled_at IS NULL AND (retry_at IS NULL OR retry_at <= $1)
         ORDER BY dependent_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now.toISOString(), BATCH],
      )) as ReadyDependency[];
      for (const row of ready) {
        try {
          await this.commands.run(
            { mutationId: row.dependent_id, stateType: row.state_type, stateId: row.state_id },
            `dependency:${row.dependency_id}:${row.dependent_id}`,
            (commandNow) => ({ type: 'ResolveDependency', mutationId: row.dependent_id, dependencyId: row.dependency_id, outcome: row.outcome, now: commandNow }),
          );
          await manager.query('UPDATE mutation_dependencies SET signalled_at = $3 WHERE dependent_id = $1 AND dependency_id = $2', [
            row.dependent_id,
            row.dependency_id,
            now.toISOString(),
          ]);
        } catch (error) {
          const retryInMs = Math.min(60_000, 1_000 * 2 ** Math.min(row.attempts, 6));
          await manager.query(
            'UPDATE mutation_dependencies SET attempts = attempts + 1, last_error = $3, retry_at = $4 WHERE dependent_id = $1 AND dependency_id = $2',
            [row.dependent_id, row.dependency_id, error instanceof Error ? error.message : String(error), new Date(now.getTime() + retryInMs).toISOString()],
          );
          this.log(`dependency signal ${row.dependency_id} -> ${row.dependent_id} failed, retrying in ${retryInMs} ms: ${String(error)}`);
        }
      }
      return ready.length;
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
