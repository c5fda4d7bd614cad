import type { ExpectedRevision, LogPosition } from '../event-store.port.js';

/** An event of a stream as far as idempotency needs it. */
export interface KnownEvent {
  id: string;
  revision: number;
  /** Known when the event was read; for an append the server reports only the last one. */
  position?: LogPosition;
}

/** A prefix of a stream: its events' ids up to `revision` (-1: the stream did not exist). */
export interface KnownStream {
  revision: number;
  readonly events: ReadonlyMap<string, KnownEvent>;
}

/** What to do with an append, decided from what is known of its stream. */
export type AppendPlan =
  /** Send it with this exact expected revision. */
  | { kind: 'append'; expectedRevision: number | 'no_stream' }
  /** Every id is there already, consecutive and in order: answer the original result. */
  | { kind: 'retry'; lastRevision: number; position: LogPosition | undefined }
  | { kind: 'conflict'; actual: number | 'no_stream' }
  /** Some ids are there, but not as this exact append. */
  | { kind: 'reused'; reason: string };

/**
 * Decides an append the way the PostgreSQL adapter does (ADR 0002): idempotency by event id
 * first, then the expected revision. Every append goes to the server with an exact expected
 * revision, even for 'any' and 'stream_exists': if the stream moved since `known`, the server
 * refuses, the caller reads what it missed and decides again, so an id can never be stored twice
 * in one stream (EventStoreDB's own idempotency for 'any' is a best-effort cache).
 */
export function planAppend(known: KnownStream, eventIds: readonly string[], expected: ExpectedRevision): AppendPlan {
  const found = eventIds.map((id) => known.events.get(id.toLowerCase()));
  const present = found.filter((event): event is KnownEvent => event !== undefined);
  if (present.length === eventIds.length) {
    const first = present[0].revision;
    if (present.every((event, index) => event.revision === first + index)) {
      const last = present[present.length - 1];
      return { kind: 'retry', lastRevision: last.revision, position: last.position };
    }
    return { kind: 'reused', reason: 'the event ids are in this stream, but not as one append in this order' };
  }
  if (present.length > 0) {
    return { kind: 'reused', reason: `${present.length} of ${eventIds.length} event ids are already in this stream` };
  }
  const current = known.revision;
  const actual = current < 0 ? 'no_stream' : current;
  const at = (revision: number): AppendPlan => ({ kind: 'append', expectedRevision: revision < 0 ? 'no_stream' : revision });
  switch (expected) {
    case 'any':
      return at(current);
    case 'no_stream':
      return current < 0 ? at(current) : { kind: 'conflict', actual };
    case 'stream_exists':
      return current < 0 ? { kind: 'conflict', actual } : at(current);
    default:
      return expected === current ? at(current) : { kind: 'conflict', actual };
  }
}

interface MutableKnownStream extends KnownStream {
  revision: number;
  readonly events: Map<string, KnownEvent>;
}

/**
 * Stream prefixes learnt from reads and appends, most recently used kept, bounded by the total
 * number of events held. A prefix may be behind the server (another process appended): that is
 * safe, because appends are sent with exact revisions and a refusal makes the adapter read on.
 */
export class KnownStreams {
  private readonly streams = new Map<string, MutableKnownStream>();
  private size = 0;

  constructor(private readonly maxEvents = 200_000) {}

  get(streamName: string): KnownStream | undefined {
    const stream = this.streams.get(streamName);
    if (stream) {
      this.streams.delete(streamName);
      this.streams.set(streamName, stream);
    }
    return stream;
  }

  /**
   * Learns `events`, read (or appended) from `fromRevision` on. Only what extends the known
   * prefix without a gap is kept; a stream seen for the first time needs a read from revision 0
   * (an empty one means the stream does not exist).
   */
  record(streamName: string, fromRevision: number, events: readonly KnownEvent[]): void {
    let stream = this.streams.get(streamName);
    if (!stream) {
      if (fromRevision !== 0) return;
      stream = { revision: -1, events: new Map() };
      this.streams.set(streamName, stream);
    }
    for (const event of events) {
      if (event.revision <= stream.revision) continue;
      if (event.revision !== stream.revision + 1) break;
      stream.events.set(event.id.toLowerCase(), { ...event, id: event.id.toLowerCase() });
      stream.revision = event.revision;
      this.size += 1;
    }
    this.get(streamName);
    this.evict(streamName);
  }

  /** Events held, over all streams. */
  get eventCount(): number {
    return this.size;
  }

  private evict(keep: string): void {
    for (const [name, stream] of this.streams) {
      if (this.size <= this.maxEvents) return;
      if (name === keep) continue;
      this.streams.delete(name);
      this.size -= stream.events.size;
    }
  }
}
