import {
  ErrorType,
  START,
  excludeSystemEvents,
  streamNameFilter,
  type AppendResult as EsdbAppendResult,
  type CurrentRevision,
  type Filter,
  type JSONEventData,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import {
  StreamRevisionConflictError,
  type EventMetadata,
  type ExpectedRevision,
  type LogPosition,
  type NewEvent,
  type RecordedEvent,
} from '../event-store.port.js';

/** What the server reports instead of a position it does not know (older servers on stream reads). */
const UNKNOWN_POSITION = 2n ** 64n - 1n;

/**
 * Countersign's streams live under a namespace (a stream-name prefix) on the server, so one
 * prefix filter selects exactly Countersign's events out of $all, whatever stream names the
 * application uses. An empty namespace means "every non-system event".
 */
export function assertValidNamespace(namespace: string): void {
  if (namespace.startsWith('$')) throw new TypeError(`stream namespace ${JSON.stringify(namespace)} must not start with $ (system streams)`);
}

export function toServerStreamName(namespace: string, streamName: string): string {
  return `${namespace}${streamName}`;
}

/** The port's stream name, or undefined for a stream outside the namespace. */
export function fromServerStreamName(namespace: string, serverStreamName: string): string | undefined {
  return serverStreamName.startsWith(namespace) ? serverStreamName.slice(namespace.length) : undefined;
}

/** The server-side filter of subscriptions to $all. */
export function serverFilter(namespace: string): Filter {
  return namespace === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [namespace] });
}

/**
 * The same selection as serverFilter, applied by the client where the 6.x client cannot ask the
 * server to filter (reads of $all).
 */
export function isCountersignRecord(namespace: string, record: { streamId: string; type: string }): boolean {
  return namespace === '' ? !record.type.startsWith('$') : record.streamId.startsWith(namespace);
}

/**
 * The port's position of an event read from $all: its commit position. Events appended through
 * gRPC are committed one by one, so commit and prepare positions are equal and unique per event
 * (ADR 0010); an event from an explicit (TCP-era) transaction shares its commit position with its
 * transaction and cannot be told apart, so it is refused rather than risk skipping an event.
 */
export function toLogPosition(position: Position | undefined, what = 'an event'): LogPosition {
  if (position === undefined || position.commit === UNKNOWN_POSITION || position.commit < 0n) {
    throw new Error(
      `EventStoreDB did not report the $all position of ${what}; Countersign needs EventStoreDB 22.10 or later (positions on stream reads)`,
    );
  }
  if (position.commit !== position.prepare) {
    throw new Error(
      `${what} was written in an explicit transaction (commit ${position.commit}, prepare ${position.prepare}); Countersign cannot give it a position of its own`,
    );
  }
  return safeNumber(position.commit, `the $all position of ${what}`);
}

/** Where a read or subscription starts for the port's exclusive `after`. */
export function toReadPosition(after: LogPosition): ReadPosition {
  if (after === 0) return START;
  const position = BigInt(after);
  return { commit: position, prepare: position };
}

/** Orders $all positions: negative when `a` comes first. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * The position of the last appended event, as the append reports it (its commit position), or
 * undefined when the server did not report one (an idempotent write answered from its cache).
 */
export function appendedPosition(result: EsdbAppendResult): LogPosition | undefined {
  const commit = result.position?.commit;
  if (commit === undefined || commit < 0n || commit === UNKNOWN_POSITION) return undefined;
  return safeNumber(commit, 'the appended position');
}

export function toEventData(event: NewEvent): JSONEventData {
  return {
    id: event.id,
    type: event.type,
    contentType: 'application/json',
    // The client serialises with JSON.stringify, so null is stored as the JSON text "null".
    data: (event.data ?? null) as JSONEventData['data'],
    metadata: event.metadata ?? {},
  };
}

export function toRecordedEvent(record: EsdbRecordedEvent, namespace: string): RecordedEvent {
  const streamName = fromServerStreamName(namespace, record.streamId);
  if (streamName === undefined) throw new Error(`event ${record.id} of stream ${record.streamId} is outside namespace ${JSON.stringify(namespace)}`);
  if (!record.isJson) throw new Error(`event ${record.id} of stream ${record.streamId} is not JSON; Countersign only writes JSON events`);
  return {
    id: record.id,
    type: record.type,
    data: record.data,
    metadata: toMetadata(record.metadata),
    streamName,
    streamRevision: safeNumber(record.revision, `the revision of event ${record.id}`),
    position: toLogPosition(record.position, `event ${record.id} in stream ${record.streamId}`),
    recordedAt: record.created,
  };
}

/** Metadata the port can carry: a JSON object; anything else (none, bytes, arrays) reads as {}. */
export function toMetadata(metadata: unknown): EventMetadata {
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)
    ? (metadata as EventMetadata)
    : {};
}

/** The expected revision an append is sent with: always exact (see planAppend). */
export function toExpectedRevisionOption(expected: number | 'no_stream'): bigint | 'no_stream' {
  return expected === 'no_stream' ? 'no_stream' : BigInt(expected);
}

export function isWrongExpectedVersion(error: unknown): error is { actualVersion: CurrentRevision } {
  return (error as { type?: unknown })?.type === ErrorType.WRONG_EXPECTED_VERSION;
}

export function isStreamNotFound(error: unknown): boolean {
  return (error as { type?: unknown })?.type === ErrorType.STREAM_NOT_FOUND;
}

/** WrongExpectedVersionError → the port's conflict, with the revision the server found. */
export function toRevisionConflict(
  error: { actualVersion: CurrentRevision },
  streamName: string,
  expected: ExpectedRevision,
): StreamRevisionConflictError {
  const actual = error.actualVersion;
  return new StreamRevisionConflictError(
    streamName,
    expected,
    actual === 'no_stream' || actual < 0n ? 'no_stream' : safeNumber(actual, 'the actual revision'),
  );
}

/** The connection string without its password, for messages. */
export function redactConnectionString(connectionString: string): string {
  return connectionString.replace(/^([a-z+]+:\/\/[^:@/]+):[^@/]*@/i, '$1:***@');
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} (${value}) is beyond 2^53 and cannot be a LogPosition`);
  return Number(value);
}
