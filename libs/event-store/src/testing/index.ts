export { describeEventStoreConformance, type EventStoreHarness } from './event-store.conformance.js';
export { sleep, waitUntil } from './wait-until.js';
