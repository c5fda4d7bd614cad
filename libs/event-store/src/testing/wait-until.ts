/**
 * How long a test waits for something that normally takes milliseconds. The machines that run
 * the suite are shared and loaded: a deadline is there to end a hang with a clear message, not
 * to measure speed, so it is generous. Benchmarks measure speed (tools/bench).
 */
export const PATIENT_WAIT_MS = 60_000;

/** Jest timeout for the few tests that do minutes of work on a loaded machine (replays, load); the rest get jest.config's testTimeout. */
export const SLOW_TEST_TIMEOUT_MS = 10 * 60_000;

/** Polls `condition` until it holds; fails with `description` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  description: string,
  timeoutMs = PATIENT_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
    await sleep(10);
  }
}

/**
 * Calls `probe` until `accept` holds for its answer and returns that answer. After `timeoutMs`
 * it returns the last answer anyway, so the test's own assertion on it says what was wrong.
 */
export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = PATIENT_WAIT_MS, pauseMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await sleep(pauseMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
