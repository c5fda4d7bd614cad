import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, InvalidQueryError, isCursorInstant } from './cursor.js';
import type { Page, PageRequest } from './read-model-queries.port.js';

export const SIDE_EFFECT_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type SideEffectStatus = (typeof SIDE_EFFECT_STATUSES)[number];

/** A side effect and where its delivery stands. */
export interface SideEffectRecord {
  deliveryId: string;
  type: string;
  data: unknown;
  mutationId: string;
  stateType: string;
  stateId: string;
  compensates: string | null;
  status: SideEffectStatus;
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  emittedAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
  position: number;
}

export interface SideEffectFilters {
  status?: SideEffectStatus;
  type?: string;
  mutationId?: string;
}

type Row = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function toRecord(row: Row): SideEffectRecord {
  return {
    deliveryId: String(row.delivery_id),
    type: String(row.type),
    data: row.data,
    mutationId: String(row.mutation_id),
    stateType: String(row.state_type),
    stateId: String(row.state_id),
    compensates: (row.compensates as string | null) ?? null,
    status: row.status as SideEffectStatus,
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    emittedAt: iso(row.emitted_at) as string,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    deliveredAt: iso(row.delivered_at),
    deadAt: iso(row.dead_at),
    position: Number(row.position),
  };
}

/** The outbox as the API shows it: plain SQL over `side_effects`. */
export class SideEffectQueries {
  constructor(private readonly dataSource: DataSource) {}

  async get(deliveryId: string): Promise<SideEffectRecord | null> {
    const rows = (await this.dataSource.query('SELECT * FROM side_effects WHERE delivery_id = $1', [deliveryId])) as Row[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Newest first, by (emitted_at, delivery_id). */
  async list(filters: SideEffectFilters, page: PageRequest): Promise<Page<SideEffectRecord>> {
    const where: string[] = [];
    const parameters: unknown[] = [];
    const add = (clause: (placeholder: string) => string, value: unknown) => {
      parameters.push(value);
      where.push(clause(`$${parameters.length}`));
    };
    if (filters.status !== undefined) add((p) => `status = ${p}`, filters.status);
    if (filters.type !== undefined) add((p) => `type = ${p}`, filters.type);
    if (filters.mutationId !== undefined) add((p) => `mutation_id = ${p}::uuid`, filters.mutationId);
    if (page.cursor !== undefined) {
      const [emittedAt, deliveryId] = decodeCursor(page.cursor, ['string', 'string']) as [string, string];
      if (!isCursorInstant(emittedAt) || !UUID.test(deliveryId)) throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
      parameters.push(emittedAt, deliveryId);
      where.push(`(emitted_at, delivery_id) < ($${parameters.length - 1}::timestamptz, $${parameters.length}::uuid)`);
    }
    parameters.push(page.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT * FROM side_effects ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY emitted_at DESC, delivery_id DESC LIMIT $${parameters.length}`,
      parameters,
    )) as Row[];
    const items = rows.slice(0, page.limit).map(toRecord);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor([last.emittedAt, last.deliveryId]) : null };
  }

  /** A dead letter goes back to the queue, due now, with its attempts reset; null when it is not dead (or unknown). */
  async retryDead(deliveryId: string, now: Date): Promise<SideEffectRecord | null> {
    const rows = (await this.dataSource.query(
      `UPDATE side_effects SET status = 'pending', attempts = 0, next_attempt_at = $2, dead_at = NULL, leased_until = NULL
       WHERE delivery_id = $1 AND status = 'dead' RETURNING *`,
      [deliveryId, now.toISOString()],
    )) as [Row[], number] | Row[];
    const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Row[];
    return updated[0] ? toRecord(updated[0]) : null;
  }
}
