/**
 * Global log position, ascending in the order readers see the log; 0 means "before the first
 * event". The PostgreSQL adapter numbers events 1, 2, 3… without gaps (ADR 0002); the
 * EventStoreDB adapter uses $all commit positions, which ascend but skip (ADR 0010). Treat a
 * position as an opaque, comparable value: never do arithmetic on it, and pass only 0 or a
 * position this store returned as `after`.
 */
export type LogPosition = number;

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  [key: string]: unknown;
}

export interface NewEvent {
  /** A uuid chosen by the writer; appending the same ids again is an idempotent retry. */
  id: string;
  type: string;
  data: unknown;
  metadata?: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  streamName: string;
  /** 0-based index of the event in its stream. */
  streamRevision: number;
  position: LogPosition;
  recordedAt: Date;
}

/** A number is the revision of the last event currently in the stream (0-based). */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendResult {
  /** Revision of the last event in the stream after the append. */
  nextExpectedRevision: number;
  /** Position of the last appended event. */
  position: LogPosition;
}

export interface AppendOptions {
  /** Defaults to 'any'. */
  expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive; 0 (the default, the start of the log) or a position this store returned. */
  after?: LogPosition;
  maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** Exclusive; 0 (the default, the start of the log) or a position this store returned. */
  after?: LogPosition;
  batchSize?: number;
  /**
   * Receives batches in log order, each event once, none skipped (positions ascend; gap-free on
   * PostgreSQL); a rejection makes the batch come again after a backoff.
   */
  handler: (batch: RecordedEvent[]) => Promise<void>;
  onError?: (error: unknown) => void;
}

export interface EventSubscription {
  /** Position of the last event whose batch the handler finished. */
  readonly position: LogPosition;
  /** Resolves once the in-flight handler (if any) has finished; nothing is delivered after. */
  stop(): Promise<void>;
}

/**
 * Append-only log of streams with a global, commit-ordered position. A reader following
 * positions never misses an event that commits late with a lower position.
 */
export interface EventStore {
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Returns [] when the stream does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events in ascending position. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Highest committed position; 0 when the log is empty. */
  headPosition(): Promise<LogPosition>;
  /** Catches up from `after`, then follows live appends. */
  subscribeToAll(options: SubscribeToAllOptions): EventSubscription;
  close(): Promise<void>;
}

/** The expected revision did not match the stream; `actual` is its revision at the time. */
export class StreamRevisionConflictError extends Error {
  readonly code = 'stream_revision_conflict';

  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`Stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'StreamRevisionConflictError';
  }
}

/**
 * Some of the appended event ids already exist, but not as this exact append to this stream,
 * so the call is neither new nor a retry. PostgreSQL checks ids across the whole log;
 * EventStoreDB only within the target stream (ADR 0010).
 */
export class IdempotencyMismatchError extends Error {
  readonly code = 'event_id_reused';

  constructor(
    readonly streamName: string,
    readonly reason: string,
  ) {
    super(`Stream ${streamName}: event ids reused: ${reason}`);
    this.name = 'IdempotencyMismatchError';
  }
}

/** DI token for the EventStore port. */
export const EVENT_STORE = Symbol('EVENT_STORE');
