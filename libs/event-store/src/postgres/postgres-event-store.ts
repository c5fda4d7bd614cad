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
  ExpectedRevision,
  LogPosition,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port.js';
import { assertNonNegativeInteger, assertValidAppend } from '../event-store.validation.js';
import { AppendBatcher, type BatchOutcome } from './append-batcher.js';
import { AppendListener } from './append-listener.js';
import {
  toAppendOutcome,
  toExpectedRevisionParameter,
  toRecordedEvent,
  translateAppendError,
  type AppendBatchRow,
  type EventRow,
} from './postgres-event-store.mapping.js';

export interface PostgresEventStoreOptions {
  /** How often an idle subscription polls when no notification arrives; default 500 ms. */
  pollIntervalMs?: number;
  /** Wait before redelivering a batch whose handler failed; default 100 ms doubling to 5 s. */
  retryBackoff?: RetryBackoff;
  /**
   * Group commit (ADR 0002): appends that arrive while earlier ones are executing go together in
   * one transaction, sharing its commit; each caller still gets its own result or error. An
   * append that finds the store idle is sent at once. Default true.
   */
  batchAppends?: boolean;
  /** Most appends in one batch; default 200. */
  maxBatchAppends?: number;
  /** Most bytes of event JSON in one batch; default 2 MiB (a larger append goes alone). */
  maxBatchBytes?: number;
  /**
   * Batches executing at once; default 1. With 2, the next batch can lock its streams while one
   * commits, but measured no better overall (ADR 0002, "Group commit").
   */
  maxBatchesInFlight?: number;
}

interface AppendRequest {
  streamName: string;
  expected: ExpectedRevision;
  /** The events as the JSON array the append functions take. */
  events: string;
}

const EVENT_COLUMNS = 'position, event_id, stream_name, stream_revision, event_type, data, metadata, recorded_at';
const APPEND_SQL = 'SELECT next_expected_revision, last_position FROM countersign_append($1, $2, $3::jsonb)';
const APPEND_BATCH_SQL = `SELECT ordinality, outcome, next_expected_revision, last_position, actual_revision, detail
  FROM countersign_append_batch($1::jsonb) ORDER BY ordinality`;
const READ_STREAM_SQL = `SELECT ${EVENT_COLUMNS} FROM es_events
  WHERE stream_name = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`;
const READ_ALL_SQL = `SELECT ${EVENT_COLUMNS} FROM es_events WHERE position > $1 ORDER BY position LIMIT $2`;
const HEAD_SQL = 'SELECT position FROM es_log_head';

/**
 * Event store on PostgreSQL (schema: eventStoreMigrations or ensureEventStoreSchema).
 * The pool stays the caller's: close() leaves it open. close() takes no new appends and resolves
 * once those already accepted have finished (each caller gets its real result) and the
 * subscriptions have stopped.
 */
export class PostgresEventStore implements EventStore {
  private readonly appended = new AppendSignal();
  private readonly listener: AppendListener;
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly followableLog: FollowableLog;
  private readonly batcher: AppendBatcher<AppendRequest, AppendResult> | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    // A LISTEN connection is held for the store's life, so it is not taken from the pool.
    this.listener = new AppendListener(pool.options, () => this.appended.notify());
    const pollIntervalMs = options.pollIntervalMs ?? 500;
    if (options.batchAppends ?? true) {
      this.batcher = new AppendBatcher(
        {
          maxBatchSize: options.maxBatchAppends ?? 200,
          maxBatchBytes: options.maxBatchBytes ?? 2 * 1024 * 1024,
          maxInFlight: options.maxBatchesInFlight ?? 1,
        },
        (requests) => this.appendBatch(requests),
      );
    }
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
    if (this.closing) throw new Error('PostgresEventStore is closed');
    const expected = options.expectedRevision ?? 'any';
    assertValidAppend(streamName, events, expected);
    const request: AppendRequest = {
      streamName,
      expected,
      events: JSON.stringify(
        events.map((event) => ({ id: event.id, type: event.type, data: event.data ?? null, metadata: event.metadata ?? {} })),
      ),
    };
    if (!this.batcher) return unwrap(await this.appendAlone(request));
    return this.batcher.submit(request, request.events.length + streamName.length);
  }

  /** One autocommit call of countersign_append. */
  private async appendAlone(request: AppendRequest): Promise<BatchOutcome<AppendResult>> {
    try {
      const { rows } = await this.pool.query<{ next_expected_revision: string; last_position: string }>(APPEND_SQL, [
        request.streamName,
        toExpectedRevisionParameter(request.expected),
        request.events,
      ]);
      const [row] = rows;
      return {
        ok: true,
        value: { nextExpectedRevision: Number(row.next_expected_revision), position: Number(row.last_position) },
      };
    } catch (error) {
      return { ok: false, error: translateAppendError(error, request.streamName, request.expected) };
    }
  }

  /**
   * One autocommit call of countersign_append_batch. If it fails as a whole, each append is made
   * alone, one after another in batch order (single appends serialise on the log head anyway), so
   * each caller gets its own answer. That is safe even if the failed call did commit: an append
   * repeated with the same event ids returns its original result.
   */
  private async appendBatch(requests: AppendRequest[]): Promise<Array<BatchOutcome<AppendResult>>> {
    if (requests.length === 1) return [await this.appendAlone(requests[0])];
    const appends = requests.map(
      (request) =>
        `{"stream":${JSON.stringify(request.streamName)},` +
        `"expected":${JSON.stringify(toExpectedRevisionParameter(request.expected))},"events":${request.events}}`,
    );
    try {
      const { rows } = await this.pool.query<AppendBatchRow>(APPEND_BATCH_SQL, [`[${appends.join(',')}]`]);
      if (rows.length !== requests.length || rows.some((row, index) => Number(row.ordinality) !== index + 1)) {
        throw new Error(`countersign_append_batch returned ${rows.length} rows for ${requests.length} appends`);
      }
      return rows.map((row, index) => toAppendOutcome(row, requests[index].streamName, requests[index].expected));
    } catch {
      const outcomes: Array<BatchOutcome<AppendResult>> = [];
      for (const request of requests) outcomes.push(await this.appendAlone(request));
      return outcomes;
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
    if (this.closing) throw new Error('PostgresEventStore is closed');
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

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([
        this.batcher?.idle(),
        ...[...this.subscriptions].map((subscription) => subscription.stop()),
      ]);
      this.closed = true;
      await this.listener.close();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PostgresEventStore is closed');
  }
}

function unwrap<T>(outcome: BatchOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
