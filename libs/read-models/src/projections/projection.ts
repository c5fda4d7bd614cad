import type { RecordedEvent } from '@countersign/event-store';

/** The slice of a database transaction a projection may use. */
export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Turns log events into read-model rows. `apply` runs inside the runner's transaction, which
 * also stores the checkpoint, so a batch is applied exactly once or not at all.
 */
export interface Projection {
  readonly name: string;
  /** Tables owned by this projection, emptied on rebuild. */
  readonly tables: readonly string[];
  apply(events: readonly RecordedEvent[], sql: SqlExecutor): Promise<void>;
}
