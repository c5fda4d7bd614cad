import type { ExpectedRevision, NewEvent } from './event-store.port.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rejects calls no adapter could honour, before any I/O. */
export function assertValidAppend(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): void {
  if (typeof streamName !== 'string' || streamName.length === 0) {
    throw new TypeError('streamName must be a non-empty string');
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new TypeError(`appendToStream(${streamName}) needs at least one event`);
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new TypeError(`event id must be a uuid, got ${JSON.stringify(event.id)}`);
    }
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new TypeError(`event ${event.id} needs a non-empty type`);
    }
    const key = event.id.toLowerCase();
    if (ids.has(key)) throw new TypeError(`event id ${event.id} appears twice in one append`);
    ids.add(key);
  }
  if (typeof expected === 'number') assertNonNegativeInteger('expectedRevision', expected);
  else if (!['no_stream', 'stream_exists', 'any'].includes(expected)) {
    throw new TypeError(`unknown expectedRevision ${JSON.stringify(expected)}`);
  }
}

export function assertNonNegativeInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new TypeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}
