import type { EventStore, RecordedEvent } from '@countersign/event-store';
import type { DataSource } from 'typeorm';
import type { Projection } from '../projections/projection.js';

export interface ParkedEvent {
  projection: string;
  position: number;
  eventId: string;
  streamName: string;
  eventType: string;
  error: string;
  attempts: number;
  parkedAt: string;
  lastAttemptAt: string;
}

export type RetryOutcome = { kind: 'applied'; event: ParkedEvent } | { kind: 'failed'; event: ParkedEvent; error: string } | { kind: 'not_parked' };

/**
 * Events a projection could not apply (poison events), parked by the ProjectionRunner with their
 * error and position. `retry` applies one again with the projection's current code — after a
 * fix — and removes it from the list when it succeeds.
 */
export class ParkedEvents {
  constructor(
    private readonly dataSource: DataSource,
    private readonly eventStore: EventStore,
    private readonly projections: readonly Projection[],
  ) {}

  async list(projection?: string): Promise<ParkedEvent[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM parked_events ${projection === undefined ? '' : 'WHERE projection = $1'} ORDER BY position, projection`,
      projection === undefined ? [] : [projection],
    )) as Record<string, unknown>[];
    return rows.map(toParkedEvent);
  }

  async retry(projectionName: string, position: number): Promise<RetryOutcome> {
    const projection = this.projections.find((candidate) => candidate.name === projectionName);
    const parked = (await this.list(projectionName)).find((event) => event.position === position);
    if (!projection || !parked) return { kind: 'not_parked' };
    // Found through its stream, not at `position - 1` in the log: positions need not be consecutive (ADR 0010).
    const event = (await this.eventStore.readStream(parked.streamName)).find(
      (candidate: RecordedEvent) => candidate.id === parked.eventId && candidate.position === position,
    );
    if (!event) return { kind: 'not_parked' };
    try {
      await this.dataSource.transaction(async (manager) => {
        await projection.apply([event], manager);
        await manager.query('DELETE FROM parked_events WHERE projection = $1 AND position = $2', [projectionName, position]);
      });
      return { kind: 'applied', event: parked };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.dataSource.query(
        'UPDATE parked_events SET attempts = attempts + 1, error = $3, last_attempt_at = now() WHERE projection = $1 AND position = $2',
        [projectionName, position, message.slice(0, 2000)],
      );
      return { kind: 'failed', event: { ...parked, attempts: parked.attempts + 1, error: message }, error: message };
    }
  }
}

function toParkedEvent(row: Record<string, unknown>): ParkedEvent {
  return {
    projection: String(row.projection),
    position: Number(row.position),
    eventId: String(row.event_id),
    streamName: String(row.stream_name),
    eventType: String(row.event_type),
    error: String(row.error),
    attempts: Number(row.attempts),
    parkedAt: new Date(row.parked_at as string).toISOString(),
    lastAttemptAt: new Date(row.last_attempt_at as string).toISOString(),
  };
}
