export { READ_MODELS_SCHEMA_SQL, ReadModelsSchema1763800100000, readModelMigrations } from './migrations/read-models-schema.js';
export type { Projection, SqlExecutor } from './projections/projection.js';
export { mutationsProjection } from './projections/mutations.projection.js';
export { statesProjection, stateHistoryProjection } from './projections/states.projection.js';
export { timersProjection } from './projections/timers.projection.js';
export { APPROVALS_SCHEMA_SQL, ApprovalsSchema1763800200000 } from './migrations/approvals-schema.js';
export { PROTOCOL_SCHEMA_SQL, ProtocolSchema1763800300000 } from './migrations/protocol-schema.js';
export { allProjections } from './projections/all-projections.js';
export { ProjectionRunner, POISON_AFTER_FAILURES, isTransient, type ProjectionRunnerOptions, type RebuildProgress } from './runner/projection-runner.js';
export { ParkedEvents, type ParkedEvent, type RetryOutcome } from './runner/parked-events.js';
export { InvalidQueryError, encodeCursor, decodeCursor } from './queries/cursor.js';
export { PostgresReadModelQueries } from './queries/read-model-queries.js';
export {
  ReadModelQueries,
  type MutationFilters,
  type MutationRecord,
  type PendingApproval,
  type RiskReport,
  type ApprovalDecisionRecord,
  type ApprovalDecisionFilters,
  type Page,
  type PageRequest,
  type StateHistoryItem,
  type StateRecord,
  type TimelineEntry,
} from './queries/read-model-queries.port.js';

export { batchesProjection } from './projections/batches.projection.js';
export { BatchQueries, type BatchRecord, type BatchFilters } from './queries/batch-queries.js';
export { CompensationSchema1763800700000 } from './migrations/compensation-schema.js';
export { BatchesSchema1763800710000 } from './migrations/batches-schema.js';
export { sideEffectsProjection } from './projections/side-effects.projection.js';
export { SideEffectQueries, SIDE_EFFECT_STATUSES, type SideEffectRecord, type SideEffectFilters, type SideEffectStatus } from './queries/side-effect-queries.js';
export { SideEffectsSchema1763800720000 } from './migrations/side-effects-schema.js';
