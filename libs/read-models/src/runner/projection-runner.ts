import type { EventStore, EventSubscription, LogPosition, RecordedEvent } from '@countersign/event-store';
import type { DataSource } from 'typeorm';
import type { ApplyContext, Projection, SqlExecutor } from '../projections/projection.js';

const REBUILDING: ApplyContext = { rebuilding: true };

export interface ProjectionRunnerOptions {
  batchSize?: number;
  log?: (message: string) => void;
}

export interface RebuildProgress {
  projection: string;
  position: LogPosition;
  head: LogPosition;
  events: number;
}

/** A batch that failed this many times in a row is applied event by event, and an event that fails alone is parked. */
export const POISON_AFTER_FAILURES = 3;

/**
 * Feeds one projection from the global log. Each batch and the projection's checkpoint are
 * written in one transaction; the checkpoint row is locked first and events at or below it are
 * skipped, so two worker replicas running the same projection never apply an event twice.
 */
export class ProjectionRunner {
  private subscription: EventSubscription | undefined;
  private starting: Promise<void> | undefined;
  private handledPosition: LogPosition = 0;
  private readonly listeners = new Set<() => void>();
  private readonly batchSize: number;
  private readonly log: (message: string) => void;
  /** Consecutive failures of the batch that starts at `first`. */
  private failing: { first: LogPosition; failures: number } | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly eventStore: EventStore,
    readonly projection: Projection,
    options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.log = options.log ?? (() => undefined);
  }

  get name(): string {
    return this.projection.name;
  }

  /** Last position this process has seen applied (the database checkpoint may be ahead when replicas share the work). */
  get position(): LogPosition {
    return this.handledPosition;
  }

  async start(): Promise<void> {
    this.starting ??= this.subscribe().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async subscribe(): Promise<void> {
    if (this.subscription) return;
    this.handledPosition = await this.readCheckpoint();
    this.subscription = this.eventStore.subscribeToAll({
      after: this.handledPosition,
      batchSize: this.batchSize,
      handler: (batch) => this.applyBatch(batch),
      onError: (error) => this.log(`projection ${this.name} failed on a batch and will retry: ${describe(error)}`),
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
  }

  async readCheckpoint(): Promise<LogPosition> {
    await this.dataSource.query(
      'INSERT INTO projection_checkpoints (projection, position) VALUES ($1, 0) ON CONFLICT (projection) DO NOTHING',
      [this.name],
    );
    const rows = (await this.dataSource.query('SELECT position FROM projection_checkpoints WHERE projection = $1', [this.name])) as { position: string }[];
    return Number(rows[0]?.position ?? 0);
  }

  private async applyBatch(batch: readonly RecordedEvent[]): Promise<void> {
    const first = batch[0];
    const last = batch[batch.length - 1];
    if (!first || !last) return;
    if (this.failing?.first === first.position && this.failing.failures >= POISON_AFTER_FAILURES) {
      await this.applyIsolated(batch);
      this.failing = undefined;
      return;
    }
    try {
      await this.applyInTransaction(batch);
      this.failing = undefined;
    } catch (error) {
      // Transient failures (connection, serialization, resources) never count towards parking.
      if (!isTransient(error)) {
        this.failing = { first: first.position, failures: this.failing?.first === first.position ? this.failing.failures + 1 : 1 };
      }
      throw error;
    }
  }

  private async applyInTransaction(batch: readonly RecordedEvent[]): Promise<void> {
    const last = batch[batch.length - 1] as RecordedEvent;
    await this.dataSource.transaction(async (manager) => {
      const checkpoint = await lockCheckpoint(manager, this.name);
      const fresh = batch.filter((event) => event.position > checkpoint);
      if (fresh.length === 0) return;
      await this.projection.apply(fresh, manager);
      await manager.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE projection = $1', [this.name, last.position]);
    });
    this.advanceTo(last.position);
  }

  /**
   * The batch kept failing: apply it one event per transaction. An event that fails on its own
   * (not transiently) is parked with its error and position, and the checkpoint moves past it,
   * so one poison event does not stop the projection (GET /v1/projections/parked shows it).
   */
  private async applyIsolated(batch: readonly RecordedEvent[]): Promise<void> {
    for (const event of batch) {
      try {
        await this.applyInTransaction([event]);
      } catch (error) {
        if (isTransient(error)) throw error;
        await this.dataSource.transaction(async (manager) => {
          const checkpoint = await lockCheckpoint(manager, this.name);
          if (event.position <= checkpoint) return;
          await parkEvent(manager, this.name, event, error);
          await manager.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE projection = $1', [this.name, event.position]);
        });
        this.log(`projection ${this.name} parked the event at position ${event.position} (${event.type}): ${describe(error)}`);
        this.advanceTo(event.position);
      }
    }
  }

  /**
   * Empties the projection's tables and replays the whole log into them in one transaction:
   * readers keep seeing the old rows until the rebuilt ones commit.
   */
  async rebuild(onProgress?: (progress: RebuildProgress) => void): Promise<RebuildProgress> {
    const wasRunning = this.subscription !== undefined;
    await this.stop();
    let head: LogPosition = 0;
    let position: LogPosition = 0;
    let events = 0;
    try {
      head = await this.eventStore.headPosition();
      await this.replayAll(head, onProgress, (reached, count) => {
        position = reached;
        events = count;
      });
    } finally {
      // A failed rebuild rolls back; the runner carries on live from its (unchanged) checkpoint.
      if (wasRunning) await this.start();
    }
    return { projection: this.name, position, head, events };
  }

  private async replayAll(
    head: LogPosition,
    onProgress: ((progress: RebuildProgress) => void) | undefined,
    report: (position: LogPosition, events: number) => void,
  ): Promise<void> {
    let position: LogPosition = 0;
    let events = 0;
    await this.dataSource.transaction(async (manager) => {
      await lockCheckpoint(manager, this.name);
      // DELETE, not TRUNCATE: TRUNCATE's exclusive lock would block every reader until the rebuild commits.
      for (const table of this.projection.tables) await manager.query(`DELETE FROM "${table}"`);
      await manager.query('DELETE FROM parked_events WHERE projection = $1', [this.name]);
      for (;;) {
        const batch = await this.eventStore.readAll({ after: position, maxCount: this.batchSize });
        if (batch.length === 0) break;
        await this.replayBatch(batch, manager);
        position = batch[batch.length - 1]!.position;
        events += batch.length;
        onProgress?.({ projection: this.name, position, head, events });
      }
      await this.projection.afterRebuild?.(manager);
      await manager.query('UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE projection = $1', [this.name, position]);
    });
    this.handledPosition = position;
    report(position, events);
  }

  /** Applies a rebuild batch under a savepoint; when it fails, event by event, parking the ones that fail alone. */
  private async replayBatch(batch: readonly RecordedEvent[], sql: SqlExecutor): Promise<void> {
    await sql.query('SAVEPOINT replay_batch');
    try {
      await this.projection.apply(batch, sql, REBUILDING);
      await sql.query('RELEASE SAVEPOINT replay_batch');
      return;
    } catch (error) {
      if (isTransient(error)) throw error;
      await sql.query('ROLLBACK TO SAVEPOINT replay_batch');
    }
    for (const event of batch) {
      await sql.query('SAVEPOINT replay_event');
      try {
        await this.projection.apply([event], sql, REBUILDING);
        await sql.query('RELEASE SAVEPOINT replay_event');
      } catch (error) {
        if (isTransient(error)) throw error;
        await sql.query('ROLLBACK TO SAVEPOINT replay_event');
        await parkEvent(sql, this.name, event, error);
        this.log(`projection ${this.name} parked the event at position ${event.position} (${event.type}) during the rebuild: ${describe(error)}`);
      }
    }
  }

  /** Resolves once this runner has applied `position`, or false after `timeoutMs`. */
  async waitFor(position: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.handledPosition >= position) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        resolve(false);
      }, timeoutMs);
      const check = () => {
        if (this.handledPosition < position) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(true);
      };
      this.listeners.add(check);
    });
  }

  private advanceTo(position: LogPosition): void {
    this.handledPosition = Math.max(this.handledPosition, position);
    for (const listener of [...this.listeners]) listener();
  }
}

async function lockCheckpoint(sql: SqlExecutor, projection: string): Promise<LogPosition> {
  await sql.query('INSERT INTO projection_checkpoints (projection, position) VALUES ($1, 0) ON CONFLICT (projection) DO NOTHING', [projection]);
  const rows = (await sql.query('SELECT position FROM projection_checkpoints WHERE projection = $1 FOR UPDATE', [projection])) as { position: string }[];
  return Number(rows[0]?.position ?? 0);
}

async function parkEvent(sql: SqlExecutor, projection: string, event: RecordedEvent, error: unknown): Promise<void> {
  await sql.query(
    `INSERT INTO parked_events (projection, position, event_id, stream_name, event_type, error) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (projection, position) DO UPDATE SET error = EXCLUDED.error, attempts = parked_events.attempts + 1, last_attempt_at = now()`,
    [projection, event.position, event.id, event.streamName, event.type, describe(error).slice(0, 2000)],
  );
}

/** Failures that say nothing about the event: lost connections, serialization conflicts, exhausted resources, shutdowns. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (/^(08|40|53|57)/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
