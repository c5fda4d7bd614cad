import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  type AllStreamResolvedEvent,
  type Direction,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from '../catch-up-subscription.js';
import {
  IdempotencyMismatchError,
  StreamRevisionConflictError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../event-store.port.js';
import { assertNonNegativeInteger, assertValidAppend } from '../event-store.validation.js';
import {
  appendedPosition,
  assertValidNamespace,
  comparePositions,
  isCountersignRecord,
  isStreamNotFound,
  isWrongExpectedVersion,
  redactConnectionString,
  serverFilter,
  toEventData,
  toExpectedRevisionOption,
  toLogPosition,
  toReadPosition,
  toRecordedEvent,
  toRevisionConflict,
  toServerStreamName,
} from './eventstoredb-event-store.mapping.js';
import { KnownStreams, planAppend } from './known-streams.js';
import { startStreamedSubscription, type SubscriptionSession, type SubscriptionSink } from './streamed-subscription.js';

export interface EventStoreDbEventStoreOptions {
  /** Prefix of every stream this store writes and reads on the server; default 'countersign-'. */
  streamNamespace?: string;
  /** Wait before redelivering a failed batch or reopening a broken subscription; default 100 ms doubling to 5 s. */
  retryBackoff?: RetryBackoff;
  /** Events whose ids are kept in memory for idempotent appends (ADR 0010); default 200,000. */
  knownStreamEvents?: number;
}

export interface ConnectOptions extends EventStoreDbEventStoreOptions {
  /** How long start-up may wait for the server; default 10 s. */
  connectTimeoutMs?: number;
}

/** Appends to 'any' or 'stream_exists' retry this often while other writers keep moving the stream. */
const MAX_APPEND_ATTEMPTS = 20;
/** $all events per read call (the 6.x client filters reads of $all on the client side). */
const ALL_PAGE_SIZE = 500;
const HEAD_PAGE_SIZE = 50;

/**
 * Event store on EventStoreDB / KurrentDB through @eventstore/db-client (ADR 0010). Positions are
 * $all commit positions: ascending, not gap-free. Subscriptions are catch-up subscriptions to
 * $all filtered on the server by the stream namespace; their checkpoints are the caller's (the
 * projections keep theirs in PostgreSQL). close() disposes of the client.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly namespace: string;
  private readonly known: KnownStreams;
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly appending = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EventStoreDbEventStoreOptions = {},
  ) {
    this.namespace = options.streamNamespace ?? 'countersign-';
    assertValidNamespace(this.namespace);
    this.known = new KnownStreams(options.knownStreamEvents);
  }

  /**
   * Connects and proves the server answers (a read of $all, which also needs the rights the store
   * needs) within `connectTimeoutMs`; otherwise fails with one clear message.
   */
  static async connect(connectionString: string, options: ConnectOptions = {}): Promise<EventStoreDbEventStore> {
    const where = redactConnectionString(connectionString);
    let client: EventStoreDBClient;
    try {
      client = EventStoreDBClient.connectionString(connectionString);
    } catch (error) {
      throw new Error(`invalid EventStoreDB connection string ${where}: ${describe(error)}`);
    }
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const probe = (async () => {
        for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: timeoutMs })) {
          void resolved;
        }
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      probe.catch(() => undefined);
      await Promise.race([probe, timeout]);
    } catch (error) {
      await client.dispose().catch(() => undefined);
      throw new Error(`cannot reach EventStoreDB at ${where}: ${describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
    return new EventStoreDbEventStore(client, options);
  }

  async appendToStream(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closing) throw new Error('EventStoreDbEventStore is closed');
    const expected = options.expectedRevision ?? 'any';
    assertValidAppend(streamName, events, expected);
    const appending = this.append(streamName, events, expected);
    this.appending.add(appending);
    try {
      return await appending;
    } finally {
      this.appending.delete(appending);
    }
  }

  private async append(streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const ids = events.map((event) => event.id);
    let refusal: { actualVersion: bigint | 'no_stream' } | undefined;
    let fresh = false;
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      let known = this.known.get(streamName);
      if (!known) {
        await this.refresh(streamName);
        fresh = true;
        known = this.known.get(streamName) ?? { revision: -1, events: new Map() };
      }
      const plan = planAppend(known, ids, expected);
      switch (plan.kind) {
        case 'retry':
          return {
            nextExpectedRevision: plan.lastRevision,
            position: plan.position ?? (await this.positionOf(streamName, plan.lastRevision)),
          };
        case 'reused':
          throw new IdempotencyMismatchError(streamName, plan.reason);
        case 'conflict':
          // Only a conflict seen on a fresh read is real; a stale prefix is read on first.
          if (fresh) {
            throw refusal ? toRevisionConflict(refusal, streamName, expected) : new StreamRevisionConflictError(streamName, expected, plan.actual);
          }
          await this.refresh(streamName);
          fresh = true;
          continue;
        case 'append': {
          let result;
          try {
            result = await this.client.appendToStream(toServerStreamName(this.namespace, streamName), events.map(toEventData), {
              expectedRevision: toExpectedRevisionOption(plan.expectedRevision),
            });
          } catch (error) {
            if (!isWrongExpectedVersion(error)) throw error;
            // The stream moved: read what was missed (perhaps this very append, by another process) and decide again.
            refusal = error;
            await this.refresh(streamName);
            fresh = true;
            continue;
          }
          const nextExpectedRevision = Number(result.nextExpectedRevision);
          const first = plan.expectedRevision === 'no_stream' ? 0 : plan.expectedRevision + 1;
          const position = appendedPosition(result) ?? (await this.positionOf(streamName, nextExpectedRevision));
          if (nextExpectedRevision === first + events.length - 1) {
            this.known.record(
              streamName,
              first,
              ids.map((id, index) => ({ id, revision: first + index, position: index === ids.length - 1 ? position : undefined })),
            );
          }
          return { nextExpectedRevision, position };
        }
      }
    }
    throw new Error(`appendToStream(${streamName}): the stream kept moving during ${MAX_APPEND_ATTEMPTS} attempts; retry later`);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertNonNegativeInteger('fromRevision', options.fromRevision);
    assertNonNegativeInteger('maxCount', options.maxCount);
    if (options.maxCount === 0) return [];
    const fromRevision = options.fromRevision ?? 0;
    const events = await this.readStreamFrom(streamName, fromRevision, options.maxCount);
    this.known.record(
      streamName,
      fromRevision,
      events.map((event) => ({ id: event.id, revision: event.streamRevision, position: event.position })),
    );
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertNonNegativeInteger('after', options.after);
    assertNonNegativeInteger('maxCount', options.maxCount);
    const after = options.after ?? 0;
    const wanted = options.maxCount ?? Number.POSITIVE_INFINITY;
    const events: RecordedEvent[] = [];
    if (wanted === 0) return events;
    let from: ReadPosition = toReadPosition(after);
    let handled: Position | undefined;
    for (;;) {
      const page = await this.readAllPage(from, FORWARDS, ALL_PAGE_SIZE);
      for (const resolved of page) {
        // A forward read includes its start: skip what the previous page ended with.
        if (handled && comparePositions(resolved.event!.position, handled) <= 0) continue;
        const event = this.toCountersignEvent(resolved);
        if (event && event.position > after) {
          events.push(event);
          if (events.length >= wanted) return events;
        }
      }
      if (page.length < ALL_PAGE_SIZE) return events;
      handled = page[page.length - 1].event!.position;
      from = handled;
    }
  }

  async headPosition(): Promise<LogPosition> {
    this.assertOpen();
    let from: ReadPosition = END;
    for (;;) {
      const page = await this.readAllPage(from, BACKWARDS, HEAD_PAGE_SIZE);
      for (const resolved of page) {
        if (isCountersignRecord(this.namespace, resolved.event!)) return toLogPosition(resolved.event!.position);
      }
      if (page.length < HEAD_PAGE_SIZE) return 0;
      from = page[page.length - 1].event!.position;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions): EventSubscription {
    if (this.closing) throw new Error('EventStoreDbEventStore is closed');
    assertNonNegativeInteger('after', options.after);
    if (options.batchSize !== undefined && !(Number.isSafeInteger(options.batchSize) && options.batchSize > 0)) {
      throw new TypeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    const subscription = startStreamedSubscription(
      (after, sink) => this.openSession(after, sink),
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
      await Promise.allSettled([...this.appending, ...[...this.subscriptions].map((subscription) => subscription.stop())]);
      this.closed = true;
      await this.client.dispose();
    })();
    return this.closing;
  }

  /** A catch-up subscription to $all from `after` (exclusive), filtered on the server. */
  private openSession(after: LogPosition, sink: SubscriptionSink): SubscriptionSession {
    const subscription = this.client.subscribeToAll({ fromPosition: toReadPosition(after), filter: serverFilter(this.namespace) });
    subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      try {
        const event = this.toCountersignEvent(resolved);
        if (event) sink.event(event);
      } catch (error) {
        sink.fail(error);
      }
    });
    subscription.on('error', (error) => sink.fail(error));
    subscription.on('end', () => sink.fail(new Error('the EventStoreDB subscription ended')));
    return {
      pause: () => subscription.pause(),
      resume: () => subscription.resume(),
      close: () => subscription.unsubscribe(),
    };
  }

  private toCountersignEvent(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
    const record = resolved.event;
    if (!record || !isCountersignRecord(this.namespace, record)) return undefined;
    return toRecordedEvent(record, this.namespace);
  }

  private async readAllPage(from: ReadPosition, direction: Direction, maxCount: number): Promise<AllStreamResolvedEvent[]> {
    const page: AllStreamResolvedEvent[] = [];
    for await (const resolved of this.client.readAll({ fromPosition: from, direction, maxCount })) {
      if (resolved.event) page.push(resolved);
    }
    return page;
  }

  private async readStreamFrom(streamName: string, fromRevision: number, maxCount?: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const reading = this.client.readStream(toServerStreamName(this.namespace, streamName), {
        fromRevision: BigInt(fromRevision),
        direction: FORWARDS,
        ...(maxCount === undefined ? {} : { maxCount }),
      });
      for await (const resolved of reading) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event, this.namespace));
      }
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw error;
    }
    return events;
  }

  /** Reads what this store does not know yet of a stream (all of it the first time). */
  private async refresh(streamName: string): Promise<void> {
    const fromRevision = (this.known.get(streamName)?.revision ?? -1) + 1;
    const events = await this.readStreamFrom(streamName, fromRevision);
    this.known.record(
      streamName,
      fromRevision,
      events.map((event) => ({ id: event.id, revision: event.streamRevision, position: event.position })),
    );
  }

  private async positionOf(streamName: string, revision: number): Promise<LogPosition> {
    const [event] = await this.readStreamFrom(streamName, revision, 1);
    if (!event) throw new Error(`event ${revision} of stream ${streamName} is missing`);
    return event.position;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EventStoreDbEventStore is closed');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
