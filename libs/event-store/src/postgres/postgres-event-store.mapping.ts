import {
  IdempotencyMismatchError,
  StreamRevisionConflictError,
  type AppendResult,
  type EventMetadata,
  type ExpectedRevision,
  type RecordedEvent,
} from '../event-store.port.js';
import {
  EVENT_ID_UNIQUE_CONSTRAINT,
  IDEMPOTENCY_MISMATCH_SQLSTATE,
  REVISION_CONFLICT_SQLSTATE,
} from './event-store.schema.js';
import type { BatchOutcome } from './append-batcher.js';

/** A row of es_events; bigint columns arrive as strings unless the app changed pg's type parsers. */
export interface EventRow {
  position: string | number;
  event_id: string;
  stream_name: string;
  stream_revision: string | number;
  event_type: string;
  data: unknown;
  metadata: EventMetadata | null;
  recorded_at: Date | string;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    data: row.data,
    metadata: row.metadata ?? {},
    streamName: row.stream_name,
    streamRevision: Number(row.stream_revision),
    position: Number(row.position),
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}

/** The append function takes the expected revision as text: a number or one of the keywords. */
export function toExpectedRevisionParameter(expected: ExpectedRevision): string {
  return String(expected);
}

/** The append function reports the stream's revision at conflict time, -1 for no stream. */
export function parseActualRevision(detail: string | undefined): number | 'no_stream' {
  const revision = Number(detail);
  if (detail === undefined || detail === '' || !Number.isSafeInteger(revision)) {
    throw new Error(`unexpected revision in conflict detail: ${String(detail)}`);
  }
  return revision < 0 ? 'no_stream' : revision;
}

interface PostgresError {
  code?: string;
  detail?: string;
  constraint?: string;
}

/** Turns the append function's signals into the port's typed errors; anything else passes through. */
export function translateAppendError(error: unknown, streamName: string, expected: ExpectedRevision): unknown {
  const { code, detail, constraint } = (error ?? {}) as PostgresError;
  if (code === REVISION_CONFLICT_SQLSTATE) {
    return new StreamRevisionConflictError(streamName, expected, parseActualRevision(detail));
  }
  if (code === IDEMPOTENCY_MISMATCH_SQLSTATE) {
    return new IdempotencyMismatchError(streamName, detail ?? 'event ids already exist');
  }
  // Another stream committed one of these ids between our check and our insert.
  if (code === '23505' && constraint === EVENT_ID_UNIQUE_CONSTRAINT) {
    return new IdempotencyMismatchError(streamName, 'an event id already exists in another stream');
  }
  return error;
}

/** A row of countersign_append_batch: the outcome of one append of the batch. */
export interface AppendBatchRow {
  ordinality: number;
  outcome: string;
  next_expected_revision: string | number | null;
  last_position: string | number | null;
  actual_revision: string | number | null;
  detail: string | null;
}

/** Turns one row of the batch function into that append's own result or typed error. */
export function toAppendOutcome(
  row: AppendBatchRow,
  streamName: string,
  expected: ExpectedRevision,
): BatchOutcome<AppendResult> {
  switch (row.outcome) {
    case 'ok':
      return {
        ok: true,
        value: { nextExpectedRevision: Number(row.next_expected_revision), position: Number(row.last_position) },
      };
    case 'conflict':
      return {
        ok: false,
        error: new StreamRevisionConflictError(streamName, expected, parseActualRevision(String(row.actual_revision))),
      };
    case 'id_reused':
      return { ok: false, error: new IdempotencyMismatchError(streamName, row.detail ?? 'event ids already exist') };
    default:
      return { ok: false, error: new Error(`unexpected append outcome ${JSON.stringify(row.outcome)}`) };
  }
}
