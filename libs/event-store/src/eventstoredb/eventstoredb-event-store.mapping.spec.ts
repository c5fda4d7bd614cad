import { describe, expect, it } from '@jest/globals';
import { START, WrongExpectedVersionError, type Filter, type RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { StreamRevisionConflictError } from '../event-store.port.js';
import {
  appendedPosition,
  assertValidNamespace,
  comparePositions,
  fromServerStreamName,
  isCountersignRecord,
  isStreamNotFound,
  isWrongExpectedVersion,
  redactConnectionString,
  serverFilter,
  toEventData,
  toExpectedRevisionOption,
  toLogPosition,
  toMetadata,
  toReadPosition,
  toRecordedEvent,
  toRevisionConflict,
  toServerStreamName,
} from './eventstoredb-event-store.mapping.js';

const EVENT_ID = '0b7a4f6e-3f1e-4c4c-9d55-1d2a8f0c9e11';

function record(overrides: Partial<Record<keyof EsdbRecordedEvent, unknown>> = {}): EsdbRecordedEvent {
  return {
    streamId: 'countersign-state-feature-flag:checkout',
    id: EVENT_ID,
    isJson: true,
    revision: 3n,
    type: 'MutationApplied',
    created: new Date('2026-11-22T10:00:00.000Z'),
    data: { mutationId: 'm-1' },
    metadata: { correlationId: 'c-1', causationId: 'm-1' },
    position: { commit: 4096n, prepare: 4096n },
    ...overrides,
  } as EsdbRecordedEvent;
}

/** Evaluates a server filter the way the server does: stream-name prefixes, or a regex on the event type. */
function serverAccepts(filter: Filter, streamId: string, type: string): boolean {
  const subject = filter.filterOn === 'streamName' ? streamId : type;
  return 'prefixes' in filter ? filter.prefixes.some((prefix) => subject.startsWith(prefix)) : new RegExp(filter.regex).test(subject);
}

describe('EventStoreDB mapping: stream names and the filter', () => {
  it('puts port stream names under the namespace and takes them out again', () => {
    expect(toServerStreamName('countersign-', 'state-feature-flag:checkout')).toBe('countersign-state-feature-flag:checkout');
    expect(fromServerStreamName('countersign-', 'countersign-state-feature-flag:checkout')).toBe('state-feature-flag:checkout');
    expect(fromServerStreamName('countersign-', 'orders-1')).toBeUndefined();
    expect(fromServerStreamName('', 'orders-1')).toBe('orders-1');
  });

  it('refuses a namespace inside the system streams', () => {
    expect(() => assertValidNamespace('$countersign-')).toThrow(TypeError);
    expect(() => assertValidNamespace('countersign-')).not.toThrow();
  });

  it('filters $all on the server by the namespace prefix, or excludes system events when there is no namespace', () => {
    expect(serverFilter('countersign-')).toMatchObject({ filterOn: 'streamName', prefixes: ['countersign-'] });
    expect(serverFilter('')).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
  });

  it('selects on the client exactly what the server filter selects', () => {
    const samples = [
      { streamId: 'countersign-state-flag:a', type: 'MutationRequested' },
      { streamId: 'countersign-state-flag:a', type: '$metadata' },
      { streamId: 'orders-1', type: 'OrderPlaced' },
      { streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' },
      { streamId: '$$countersign-state-flag:a', type: '$metadata' },
      { streamId: 'countersign', type: 'Other' },
    ];
    for (const namespace of ['countersign-', '']) {
      const filter = serverFilter(namespace);
      for (const sample of samples) {
        expect([namespace, sample, isCountersignRecord(namespace, sample)]).toEqual([
          namespace,
          sample,
          serverAccepts(filter, sample.streamId, sample.type),
        ]);
      }
    }
    expect(isCountersignRecord('countersign-', samples[0])).toBe(true);
    expect(isCountersignRecord('countersign-', samples[2])).toBe(false);
    expect(isCountersignRecord('', samples[3])).toBe(false);
  });
});

describe('EventStoreDB mapping: positions', () => {
  it('uses the commit position of an event as its LogPosition', () => {
    expect(toLogPosition({ commit: 0n, prepare: 0n })).toBe(0);
    expect(toLogPosition({ commit: 123_456n, prepare: 123_456n })).toBe(123_456);
    expect(toLogPosition({ commit: BigInt(Number.MAX_SAFE_INTEGER), prepare: BigInt(Number.MAX_SAFE_INTEGER) })).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('refuses positions it cannot map faithfully: missing, unknown to the server, shared by a transaction, beyond 2^53', () => {
    expect(() => toLogPosition(undefined)).toThrow(/22\.10 or later/);
    expect(() => toLogPosition({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n })).toThrow(/22\.10 or later/);
    expect(() => toLogPosition({ commit: -1n, prepare: -1n })).toThrow(/did not report/);
    expect(() => toLogPosition({ commit: 900n, prepare: 700n })).toThrow(/explicit transaction/);
    const beyond = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
    expect(() => toLogPosition({ commit: beyond, prepare: beyond })).toThrow(RangeError);
  });

  it('starts reads at the beginning for 0 and at the event for any other position (the adapter drops it: after is exclusive)', () => {
    expect(toReadPosition(0)).toBe(START);
    expect(toReadPosition(4096)).toEqual({ commit: 4096n, prepare: 4096n });
  });

  it('orders $all positions by commit, then prepare', () => {
    expect(comparePositions({ commit: 1n, prepare: 9n }, { commit: 2n, prepare: 0n })).toBeLessThan(0);
    expect(comparePositions({ commit: 2n, prepare: 2n }, { commit: 2n, prepare: 1n })).toBeGreaterThan(0);
    expect(comparePositions({ commit: 5n, prepare: 5n }, { commit: 5n, prepare: 5n })).toBe(0);
  });

  it("takes an append's position from its commit position, and none when the server reports none", () => {
    expect(appendedPosition({ success: true, nextExpectedRevision: 2n, position: { commit: 8192n, prepare: 7900n } })).toBe(8192);
    expect(appendedPosition({ success: true, nextExpectedRevision: 2n })).toBeUndefined();
    expect(appendedPosition({ success: true, nextExpectedRevision: 2n, position: { commit: -1n, prepare: -1n } })).toBeUndefined();
  });
});

describe('EventStoreDB mapping: events and metadata', () => {
  it('writes a new event as JSON with its id, type, data and metadata', () => {
    expect(toEventData({ id: EVENT_ID, type: 'MutationRequested', data: { a: 1 }, metadata: { correlationId: 'c' } })).toEqual({
      id: EVENT_ID,
      type: 'MutationRequested',
      contentType: 'application/json',
      data: { a: 1 },
      metadata: { correlationId: 'c' },
    });
  });

  it('writes missing data as null and missing metadata as an empty object, so both read back as the port expects', () => {
    expect(toEventData({ id: EVENT_ID, type: 'T', data: undefined })).toMatchObject({ data: null, metadata: {} });
  });

  it('maps a recorded event: port stream name, numbers for revision and position, metadata, timestamp', () => {
    expect(toRecordedEvent(record(), 'countersign-')).toEqual({
      id: EVENT_ID,
      type: 'MutationApplied',
      data: { mutationId: 'm-1' },
      metadata: { correlationId: 'c-1', causationId: 'm-1' },
      streamName: 'state-feature-flag:checkout',
      streamRevision: 3,
      position: 4096,
      recordedAt: new Date('2026-11-22T10:00:00.000Z'),
    });
  });

  it('reads metadata that is not a JSON object as {}', () => {
    expect(toMetadata(undefined)).toEqual({});
    expect(toMetadata(new Uint8Array([1, 2]))).toEqual({});
    expect(toMetadata(['a'])).toEqual({});
    expect(toMetadata('text')).toEqual({});
    expect(toMetadata({ actor: { id: 'u-1' } })).toEqual({ actor: { id: 'u-1' } });
    expect(toRecordedEvent(record({ metadata: undefined }), 'countersign-').metadata).toEqual({});
  });

  it('refuses events outside the namespace, binary events and events without a usable position', () => {
    expect(() => toRecordedEvent(record({ streamId: 'orders-1' }), 'countersign-')).toThrow(/outside namespace/);
    expect(() => toRecordedEvent(record({ isJson: false, data: new Uint8Array([1]) }), 'countersign-')).toThrow(/not JSON/);
    expect(() => toRecordedEvent(record({ position: undefined }), 'countersign-')).toThrow(/22\.10 or later/);
  });
});

describe('EventStoreDB mapping: revisions and errors', () => {
  it('sends exact expected revisions as bigints and no_stream as itself', () => {
    expect(toExpectedRevisionOption('no_stream')).toBe('no_stream');
    expect(toExpectedRevisionOption(0)).toBe(0n);
    expect(toExpectedRevisionOption(41)).toBe(41n);
  });

  it('turns WrongExpectedVersionError into StreamRevisionConflictError with the actual revision', () => {
    const moved = new WrongExpectedVersionError(undefined as never, { streamName: 'countersign-s', expected: 0n, current: 4n });
    const missing = new WrongExpectedVersionError(undefined as never, { streamName: 'countersign-s', expected: 2n, current: 'no_stream' });
    expect(isWrongExpectedVersion(moved)).toBe(true);
    const conflict = toRevisionConflict(moved, 's', 0);
    expect(conflict).toBeInstanceOf(StreamRevisionConflictError);
    expect(conflict).toMatchObject({ code: 'stream_revision_conflict', streamName: 's', expected: 0, actual: 4 });
    expect(toRevisionConflict(missing, 's', 2)).toMatchObject({ expected: 2, actual: 'no_stream' });
    expect(toRevisionConflict({ actualVersion: -1n }, 's', 'stream_exists')).toMatchObject({ actual: 'no_stream' });
  });

  it('recognises the client errors by their type, not their class', () => {
    expect(isWrongExpectedVersion({ type: 'wrong-expected-version' })).toBe(true);
    expect(isWrongExpectedVersion(new Error('boom'))).toBe(false);
    expect(isStreamNotFound({ type: 'stream-not-found' })).toBe(true);
    expect(isStreamNotFound(undefined)).toBe(false);
  });

  it('hides the password of a connection string', () => {
    expect(redactConnectionString('esdb://admin:changeit@db:2113?tls=false')).toBe('esdb://admin:***@db:2113?tls=false');
    expect(redactConnectionString('esdb+discover://ops:s3cr3t@cluster.local:2113')).toBe('esdb+discover://ops:***@cluster.local:2113');
    expect(redactConnectionString('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
  });
});
