import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { ExpectedRevision } from '../event-store.port.js';
import { KnownStreams, planAppend, type KnownEvent, type KnownStream } from './known-streams.js';

function streamOf(events: KnownEvent[]): KnownStream {
  const known = new KnownStreams();
  known.record('s', 0, events);
  return known.get('s')!;
}

const NO_STREAM = streamOf([]);
const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
/** first and second appended together (the server reported the position of the last), third alone. */
const THREE = streamOf([
  { id: first, revision: 0 },
  { id: second, revision: 1, position: 2048 },
  { id: third, revision: 2, position: 4096 },
]);

describe('planAppend: expected revisions, when no id is known yet', () => {
  const cases: Array<[string, KnownStream, ExpectedRevision, ReturnType<typeof planAppend>]> = [
    ['any on a missing stream creates it', NO_STREAM, 'any', { kind: 'append', expectedRevision: 'no_stream' }],
    ['any on a stream appends at its current revision', THREE, 'any', { kind: 'append', expectedRevision: 2 }],
    ['no_stream on a missing stream', NO_STREAM, 'no_stream', { kind: 'append', expectedRevision: 'no_stream' }],
    ['no_stream on an existing stream conflicts', THREE, 'no_stream', { kind: 'conflict', actual: 2 }],
    ['stream_exists on a missing stream conflicts', NO_STREAM, 'stream_exists', { kind: 'conflict', actual: 'no_stream' }],
    ['stream_exists on a stream appends at its current revision', THREE, 'stream_exists', { kind: 'append', expectedRevision: 2 }],
    ['the current revision appends', THREE, 2, { kind: 'append', expectedRevision: 2 }],
    ['a stale revision conflicts', THREE, 0, { kind: 'conflict', actual: 2 }],
    ['a revision from the future conflicts', THREE, 7, { kind: 'conflict', actual: 2 }],
    ['a revision on a missing stream conflicts', NO_STREAM, 0, { kind: 'conflict', actual: 'no_stream' }],
  ];
  it.each(cases)('%s', (_, known, expected, plan) => {
    expect(planAppend(known, [randomUUID()], expected)).toEqual(plan);
  });
});

describe('planAppend: idempotency by event id, checked before the expected revision', () => {
  it('answers a repeated append with its original result, even when its expected revision is stale by now', () => {
    expect(planAppend(THREE, [first, second], 'no_stream')).toEqual({ kind: 'retry', lastRevision: 1, position: 2048 });
    expect(planAppend(THREE, [first, second], 'any')).toEqual({ kind: 'retry', lastRevision: 1, position: 2048 });
    expect(planAppend(THREE, [third], 1)).toEqual({ kind: 'retry', lastRevision: 2, position: 4096 });
  });

  it('matches ids whatever their letter case', () => {
    expect(planAppend(THREE, [third.toUpperCase()], 'any')).toMatchObject({ kind: 'retry', lastRevision: 2 });
  });

  it('leaves the position open when only the revision of the matched event is known', () => {
    expect(planAppend(THREE, [first], 'any')).toEqual({ kind: 'retry', lastRevision: 0, position: undefined });
  });

  it('refuses a partial overlap and the same ids in another order', () => {
    expect(planAppend(THREE, [second, randomUUID()], 'any')).toEqual({ kind: 'reused', reason: '1 of 2 event ids are already in this stream' });
    expect(planAppend(THREE, [randomUUID(), first], 2)).toMatchObject({ kind: 'reused' });
    expect(planAppend(THREE, [second, first], 'any')).toMatchObject({ kind: 'reused' });
    expect(planAppend(THREE, [first, third], 'any')).toMatchObject({ kind: 'reused' });
  });
});

describe('KnownStreams', () => {
  it('learns a stream only from a read that starts at revision 0; an empty one means the stream does not exist', () => {
    const known = new KnownStreams();
    known.record('late', 5, [{ id: first, revision: 5 }]);
    expect(known.get('late')).toBeUndefined();
    known.record('empty', 0, []);
    expect(known.get('empty')).toMatchObject({ revision: -1 });
  });

  it('extends a stream only without gaps, ignoring what it already knows', () => {
    const known = new KnownStreams();
    known.record('s', 0, [{ id: first, revision: 0 }]);
    known.record('s', 0, [
      { id: first, revision: 0 },
      { id: second, revision: 1 },
    ]);
    known.record('s', 3, [{ id: randomUUID(), revision: 3 }]);
    expect(known.get('s')?.revision).toBe(1);
    expect([...known.get('s')!.events.keys()]).toEqual([first, second]);
    expect(known.eventCount).toBe(2);
  });

  it('forgets the least recently used streams beyond its capacity, never the one it is learning', () => {
    const known = new KnownStreams(3);
    known.record('a', 0, [{ id: randomUUID(), revision: 0 }]);
    known.record('b', 0, [{ id: randomUUID(), revision: 0 }]);
    known.get('a');
    known.record('c', 0, [
      { id: randomUUID(), revision: 0 },
      { id: randomUUID(), revision: 1 },
    ]);
    expect(known.get('b')).toBeUndefined();
    expect(known.get('a')?.revision).toBe(0);
    expect(known.get('c')?.revision).toBe(1);
    expect(known.eventCount).toBe(3);

    const big = new KnownStreams(1);
    big.record('huge', 0, [
      { id: randomUUID(), revision: 0 },
      { id: randomUUID(), revision: 1 },
    ]);
    expect(big.get('huge')?.revision).toBe(1);
  });
});
