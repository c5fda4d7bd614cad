import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { rideOutConnectionLoss } from '../database/connection-loss.js';
import { CLOCK, type Clock } from '../lanes/clock.js';
import { LOG, type Log } from '../log.js';
import { SIDE_EFFECT_DELIVERER, type SideEffectDeliverer } from '../side-effects/side-effect-deliverer.port.js';

interface Claimed {
  delivery_id: string;
  type: string;
  data: unknown;
  mutation_id: string;
  state_type: string;
  state_id: string;
  compensates: string | null;
  emitted_at: Date | string;
  attempts: number;
}

const BATCH = 10;
const MAX_BACKOFF_MS = 10 * 60_000;

/** TypeORM answers an UPDATE … RETURNING as [rows, count]; other statements as rows. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * Delivers the outbox (`side_effects`) at least once: claims due rows (SKIP LOCKED, with a
 * lease so a crashed worker's claim runs out), calls the deliverer, then marks each delivered,
 * schedules a retry with exponential backoff, or — after COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS —
 * moves it to the dead letters. The delivery id stays the same on every attempt, so receivers
 * deduplicate on it.
 */
@Injectable()
export class SideEffectWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SIDE_EFFECT_DELIVERER) private readonly deliverer: SideEffectDeliverer,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
    @Inject(LOG) private readonly log: Log,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runWorker) return;
    const types = this.deliverer.types();
    if (types !== '*' && types.length === 0) return;
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
        handled = await this.deliverDue();
      } catch (error) {
        if (this.running) this.log(`side-effect worker: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (handled < BATCH) await this.pause(this.config.timerPollMs);
    }
  }

  /** Delivers up to one batch of due side effects (in parallel); returns how many it attempted. */
  async deliverDue(): Promise<number> {
    const types = this.deliverer.types();
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.config.webhookTimeoutMs + 30_000);
    const claimed = rowsOf<Claimed>(
      await this.dataSource.query(
        `UPDATE side_effects SET leased_until = $2, attempts = attempts + 1
         WHERE delivery_id IN (
           SELECT delivery_id FROM side_effects
           WHERE status = 'pending' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1) AND ($3 OR type = ANY($4::text[]))
           ORDER BY next_attempt_at LIMIT $5 FOR UPDATE SKIP LOCKED)
         RETURNING delivery_id, type, data, mutation_id, state_type, state_id, compensates, emitted_at, attempts`,
        [now.toISOString(), leaseUntil.toISOString(), types === '*', types === '*' ? [] : types, BATCH],
      ),
    );
    await Promise.all(claimed.map((row) => this.deliverOne(row)));
    return claimed.length;
  }

  private async deliverOne(row: Claimed): Promise<void> {
    const result = await this.deliverer.deliver({
      deliveryId: row.delivery_id,
      type: row.type,
      data: row.data,
      mutationId: row.mutation_id,
      stateType: row.state_type,
      stateId: row.state_id,
      compensates: row.compensates,
      emittedAt: row.emitted_at instanceof Date ? row.emitted_at.toISOString() : new Date(row.emitted_at).toISOString(),
      attempt: row.attempts,
    });
    const now = this.clock.now();
    if (result.ok) {
      await this.recordOutcome(
        `UPDATE side_effects SET status = 'delivered', delivered_at = $2, last_status = $3, last_error = NULL, leased_until = NULL WHERE delivery_id = $1 AND status = 'pending'`,
        [row.delivery_id, now.toISOString(), result.status],
      );
      return;
    }
    if (row.attempts >= this.config.webhookMaxAttempts) {
      await this.recordOutcome(
        `UPDATE side_effects SET status = 'dead', dead_at = $2, last_status = $3, last_error = $4, leased_until = NULL WHERE delivery_id = $1 AND status = 'pending'`,
        [row.delivery_id, now.toISOString(), result.status, result.error],
      );
      this.log(`side effect ${row.delivery_id} (${row.type}) is dead after ${row.attempts} attempts: ${result.error} (GET /v1/side-effects/dead-letters)`);
      return;
    }
    const retryInMs = Math.min(MAX_BACKOFF_MS, this.config.webhookBackoffMs * 2 ** (row.attempts - 1));
    await this.recordOutcome(
      `UPDATE side_effects SET next_attempt_at = $2, last_status = $3, last_error = $4, leased_until = NULL WHERE delivery_id = $1 AND status = 'pending'`,
      [row.delivery_id, new Date(now.getTime() + retryInMs).toISOString(), result.status, result.error],
    );
  }

  /**
   * Writes what the receiver answered. A connection lost right here would leave the row leased
   * until the lease runs out and then send it again, so the write rides out a short database
   * blip (the pool reconnects) before leaving it to the lease.
   */
  private async recordOutcome(sql: string, parameters: unknown[]): Promise<void> {
    await rideOutConnectionLoss(() => this.dataSource.query(sql, parameters), { keepTrying: () => this.running });
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
