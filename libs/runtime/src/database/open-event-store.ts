import { EventStoreDbEventStore, redactEventStoreConnectionString, type EventStore } from '@countersign/event-store';
import type { CountersignConfig } from '../config/countersign-config.js';
import { ConfigError } from '../config/duration.js';

/**
 * The EventStoreDB event store when EVENTSTORE_CONNECTION_STRING is set, connected and checked
 * before anything else starts (a clear error within `connectTimeoutMs` when the server does not
 * answer); undefined otherwise, and the event store stays PostgreSQL's.
 */
export async function openEventStore(
  config: Pick<CountersignConfig, 'eventStoreConnectionString'>,
  log: (message: string) => void,
  connectTimeoutMs = 10_000,
): Promise<EventStore | undefined> {
  const connectionString = config.eventStoreConnectionString;
  if (!connectionString) return undefined;
  let store: EventStore;
  try {
    store = await EventStoreDbEventStore.connect(connectionString, { connectTimeoutMs });
  } catch (error) {
    // A setting that points nowhere: one line for the operator, not a stack trace.
    throw new ConfigError(`EVENTSTORE_CONNECTION_STRING: ${error instanceof Error ? error.message : String(error)}`);
  }
  log(`using EventStoreDB at ${redactEventStoreConnectionString(connectionString)} as the event store`);
  return store;
}
