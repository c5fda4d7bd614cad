export {
  EVENT_STORE,
  IdempotencyMismatchError,
  StreamRevisionConflictError,
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventSubscription,
  type ExpectedRevision,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from './event-store.port.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.js';
export { redactConnectionString as redactEventStoreConnectionString } from './eventstoredb/eventstoredb-event-store.mapping.js';
export {
  EventStoreDbEventStore,
  type ConnectOptions as EventStoreDbConnectOptions,
  type EventStoreDbEventStoreOptions,
} from './eventstoredb/eventstoredb-event-store.js';
export {
  EventStoreAppendBatch1763800050000,
  EventStoreSchema1763800000000,
  eventStoreMigrations,
} from './postgres/event-store-schema.migration.js';
export { ensureEventStoreSchema } from './postgres/event-store.schema.js';
export type { RetryBackoff } from './catch-up-subscription.js';
