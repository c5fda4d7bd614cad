import { describeBatch, type BatchState, type BatchView } from '@countersign/domain';
import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, InvalidQueryError, isCursorInstant } from './cursor.js';
import type { Page, PageRequest } from './read-model-queries.port.js';

/** A batch as the API shows it, with the log position of its latest event. */
export type BatchRecord = BatchView & { position: number };

export interface BatchFilters {
  status?: string;
  actor?: string;
}

type Row = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The saga state kept with the row is the batch; the other columns are there to filter and chart on. */
function toBatchRecord(row: Row): BatchRecord {
  return { ...describeBatch(row.saga as BatchState), position: Number(row.position) };
}

/** Batches read side: plain SQL over `batches`. */
export class BatchQueries {
  constructor(private readonly dataSource: DataSource) {}

  async getBatch(batchId: string): Promise<BatchRecord | null> {
    const rows = (await this.dataSource.query('SELECT * FROM batches WHERE batch_id = $1', [batchId])) as Row[];
    return rows[0] ? toBatchRecord(rows[0]) : null;
  }

  /** Newest first, by (requested_at, batch_id), with cursor pagination. */
  async listBatches(filters: BatchFilters, page: PageRequest): Promise<Page<BatchRecord>> {
    const where: string[] = [];
    const parameters: unknown[] = [];
    if (filters.status !== undefined) {
      parameters.push(filters.status);
      where.push(`status = $${parameters.length}`);
    }
    if (filters.actor !== undefined) {
      parameters.push(filters.actor);
      where.push(`actor_id = $${parameters.length}`);
    }
    if (page.cursor !== undefined) {
      const [requestedAt, batchId] = decodeCursor(page.cursor, ['string', 'string']) as [string, string];
      if (!isCursorInstant(requestedAt) || !UUID.test(batchId)) throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
      parameters.push(requestedAt, batchId);
      where.push(`(requested_at, batch_id) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::uuid)`);
    }
    parameters.push(page.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT * FROM batches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_at DESC, batch_id DESC LIMIT $${parameters.length}`,
      parameters,
    )) as Row[];
    const items = rows.slice(0, page.limit).map(toBatchRecord);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.requestedAt ?? '', last.batchId]) : null };
  }
}
