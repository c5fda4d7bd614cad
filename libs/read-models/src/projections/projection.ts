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
  apply(events: readonly RecordedEvent[], sql: SqlExecutor, context?: ApplyContext): Promise<void>;
  /**
   * Rebuild only, after the last batch and in the same transaction: fills whatever the projection
   * chose to derive wholesale from its other tables instead of batch by batch (`rebuilding`).
   */
  afterRebuild?(sql: SqlExecutor): Promise<void>;
}

export interface ApplyContext {
  /** The batch is part of a rebuild, which calls `afterRebuild` once the whole log is applied. */
  rebuilding: boolean;
}
