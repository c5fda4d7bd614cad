import { describe, expect, it } from '@jest/globals';
import { IdempotencyMismatchError, StreamRevisionConflictError } from '../event-store.port.js';
import {
  parseActualRevision,
  toAppendOutcome,
  toExpectedRevisionParameter,
  toRecordedEvent,
  translateAppendError,
} from './postgres-event-store.mapping.js';

describe('PostgreSQL event store mapping', () => {
  it('maps a row with bigint strings to a RecordedEvent with numbers', () => {
    const recordedAt = new Date('2026-11-22T10:00:00.000Z');
    expect(
      toRecordedEvent({
        position: '42',
        event_id: '0b7a4f6e-3f1e-4c4c-9d55-1d2a8f0c9e11',
        stream_name: 'order-1',
        stream_revision: '3',
        event_type: 'OrderPaid',
        data: { total: 10 },
        metadata: { correlationId: 'c-1' },
        recorded_at: recordedAt,
      }),
    ).toEqual({
      id: '0b7a4f6e-3f1e-4c4c-9d55-1d2a8f0c9e11',
      type: 'OrderPaid',
      data: { total: 10 },
      metadata: { correlationId: 'c-1' },
      streamName: 'order-1',
      streamRevision: 3,
      position: 42,
      recordedAt,
    });
  });

  it('reads missing metadata as an empty object and a timestamp string as a Date', () => {
    const event = toRecordedEvent({
      position: 1,
      event_id: 'id',
      stream_name: 's',
      stream_revision: 0,
      event_type: 'T',
      data: null,
      metadata: null,
      recorded_at: '2026-11-22T10:00:00.000Z',
    });
    expect(event.metadata).toEqual({});
    expect(event.recordedAt).toEqual(new Date('2026-11-22T10:00:00.000Z'));
  });

  it('passes expected revisions to the append function as text', () => {
    expect((['any', 'no_stream', 'stream_exists', 0, 12] as const).map(toExpectedRevisionParameter)).toEqual([
      'any',
      'no_stream',
      'stream_exists',
      '0',
      '12',
    ]);
  });

  it('reads the actual revision of a conflict, -1 meaning no stream', () => {
    expect(parseActualRevision('-1')).toBe('no_stream');
    expect(parseActualRevision('0')).toBe(0);
    expect(parseActualRevision('17')).toBe(17);
    expect(() => parseActualRevision(undefined)).toThrow();
    expect(() => parseActualRevision('x')).toThrow();
  });

  it('turns the revision conflict signal into a StreamRevisionConflictError', () => {
    const error = translateAppendError({ code: 'CS001', detail: '4' }, 'order-1', 2);
    expect(error).toBeInstanceOf(StreamRevisionConflictError);
    expect(error).toMatchObject({ code: 'stream_revision_conflict', streamName: 'order-1', expected: 2, actual: 4 });
  });

  it('turns reused event ids, signalled or caught by the unique index, into an IdempotencyMismatchError', () => {
    const signalled = translateAppendError({ code: 'CS002', detail: '1 of 2 event ids already exist' }, 's', 'any');
    const racing = translateAppendError({ code: '23505', constraint: 'es_events_event_id_key' }, 's', 'any');
    for (const error of [signalled, racing]) {
      expect(error).toBeInstanceOf(IdempotencyMismatchError);
      expect(error).toMatchObject({ code: 'event_id_reused', streamName: 's' });
    }
  });

  it('turns each row of the batch function into that append\'s own result or typed error', () => {
    const row = { ordinality: 1, next_expected_revision: null, last_position: null, actual_revision: null, detail: null };
    expect(toAppendOutcome({ ...row, outcome: 'ok', next_expected_revision: '3', last_position: '42' }, 's', 2)).toEqual({
      ok: true,
      value: { nextExpectedRevision: 3, position: 42 },
    });
    const conflict = toAppendOutcome({ ...row, outcome: 'conflict', actual_revision: '-1' }, 's', 'stream_exists');
    expect(conflict.ok).toBe(false);
    const conflictError = (conflict as { error: unknown }).error;
    expect(conflictError).toBeInstanceOf(StreamRevisionConflictError);
    expect(conflictError).toMatchObject({ streamName: 's', expected: 'stream_exists', actual: 'no_stream' });
    const reused = toAppendOutcome({ ...row, outcome: 'id_reused', detail: '1 of 2 event ids already exist' }, 's', 'any');
    expect((reused as { error: unknown }).error).toBeInstanceOf(IdempotencyMismatchError);
    expect((reused as { error: unknown }).error).toMatchObject({ reason: '1 of 2 event ids already exist' });
    expect(toAppendOutcome({ ...row, outcome: 'surprise' }, 's', 'any')).toMatchObject({ ok: false });
  });

  it('passes other database errors through unchanged', () => {
    const other = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'something_else' });
    expect(translateAppendError(other, 's', 'any')).toBe(other);
  });
});
