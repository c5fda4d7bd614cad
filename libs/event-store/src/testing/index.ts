export { describeEventStoreConformance, type EventStoreHarness } from './event-store.conformance.js';
export { PATIENT_WAIT_MS, SLOW_TEST_TIMEOUT_MS, sleep, waitFor, waitUntil } from './wait-until.js';
