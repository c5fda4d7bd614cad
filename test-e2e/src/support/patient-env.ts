/**
 * Settings every test process starts with unless a test says otherwise: the waits a request may
 * do on the server (a read with minPosition for the projections, a retry for the first request
 * with its Idempotency-Key) sized for a loaded machine rather than the production defaults (5 s,
 * 10 s), so a slow run is slow, not red.
 */
export const PATIENT_TEST_ENV: Record<string, string> = {
  COUNTERSIGN_READ_WAIT_TIMEOUT: '60s',
  COUNTERSIGN_IDEMPOTENCY_WAIT: '60s',
};
