import type pg from 'pg';
import {
  DEFAULT_RETRY_BACKOFF,
  AppendSignal,
  startCatchUpSubscription,
  type FollowableLog,
  type RetryBackoff,
} from '../catch-up-subscription.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  LogPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port.js';
import { assertNonNegativeInteger, assertValidAppend } from '../event-store.validation.js';
import { AppendListener } from './append-listener.js';
import {
  toExpectedRevisionParameter,
  toRecordedEvent,
  translateAppendError,
  type EventRow,
} from './postgres-event-store.mapping.js';

export interface PostgresEventStoreOptions {
  /** How often an idle subscription polls when no notification arrives; default 500 ms. */
  pollIntervalMs?: number;
  /** Wait before redelivering a batch whose handler failed; default 100 ms doubling to 5 s. */
  retryBackoff?: RetryBackoff;
}

const EVENT_COLUMNS = 'position, event_id, stream_name, stream_revision, event_type, data, metadata, recorded_at';
const APPEND_SQL = 'SELECT next_expected_revision, last_position FROM countersign_append($1, $2, $3::jsonb)';
const READ_STREAM_SQL = `SELECT ${EVENT_COLUMNS} FROM es_events
  WHERE stream_name = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`;
const READ_ALL_SQL = `SELECT ${EVENT_COLUMNS} FROM es_events WHERE position > $1 ORDER BY position LIMIT $2`;
const HEAD_SQL = 'SELECT position FROM es_log_head';

/**
 * Event store on PostgreSQL (schema: eventStoreMigrations or ensureEventStoreSchema).
 * The pool stays the caller's: close() leaves it open.
 */
export class PostgresEventStore implements EventStore {
  private readonly appended = new AppendSignal();
  private readonly listener: AppendListener;
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly followableLog: FollowableLog;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    // A LISTEN connection is held for the store's life, so it is not taken from the pool.
    this.listener = new AppendListener(pool.options, () => this.appended.notify());
    const pollIntervalMs = options.pollIntervalMs ?? 500;
    this.followableLog = {
      readAll: (readOptions) => this.readAll(readOptions),
      appendGeneration: () => this.appended.current(),
      waitForAppends: (generation, signal) => {
        this.listener.ensureListening();
        return this.appended.wait(generation, pollIntervalMs, signal);
      },
    };
  }

  async appendToStream(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    assertValidAppend(streamName, events, expected);
    const payload = JSON.stringify(
      events.map((event) => ({ id: event.id, type: event.type, data: event.data ?? null, metadata: event.metadata ?? {} })),
    );
    try {
      const { rows } = await this.pool.query<{ next_expected_revision: string; last_position: string }>(APPEND_SQL, [
        streamName,
        toExpectedRevisionParameter(expected),
        payload,
      ]);
      return { nextExpectedRevision: Number(rows[0].next_expected_revision), position: Number(rows[0].last_position) };
    } catch (error) {
      throw translateAppendError(error, streamName, expected);
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertNonNegativeInteger('fromRevision', options.fromRevision);
    assertNonNegativeInteger('maxCount', options.maxCount);
    const { rows } = await this.pool.query<EventRow>(READ_STREAM_SQL, [
      streamName,
      options.fromRevision ?? 0,
      options.maxCount ?? null,
    ]);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertNonNegativeInteger('after', options.after);
    assertNonNegativeInteger('maxCount', options.maxCount);
    const { rows } = await this.pool.query<EventRow>(READ_ALL_SQL, [options.after ?? 0, options.maxCount ?? null]);
    return rows.map(toRecordedEvent);
  }

  async headPosition(): Promise<LogPosition> {
    this.assertOpen();
    const { rows } = await this.pool.query<{ position: string }>(HEAD_SQL);
    return rows.length === 0 ? 0 : Number(rows[0].position);
  }

  subscribeToAll(options: SubscribeToAllOptions): EventSubscription {
    this.assertOpen();
    assertNonNegativeInteger('after', options.after);
    if (options.batchSize !== undefined && !(Number.isSafeInteger(options.batchSize) && options.batchSize > 0)) {
      throw new TypeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.listener.ensureListening();
    const subscription = startCatchUpSubscription(
      this.followableLog,
      options,
      this.options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
    );
    const tracked: EventSubscription = {
      get position() {
        return subscription.position;
      },
      stop: async () => {
        await subscription.stop();
        this.subscriptions.delete(tracked);
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.closed = true;
    await this.listener.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PostgresEventStore is closed');
  }
}
