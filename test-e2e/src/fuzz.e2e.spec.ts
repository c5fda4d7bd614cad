import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Fingerprint } from './fuzz/fingerprint.js';
import { healthy, runFuzz, type FuzzRun } from './fuzz/fuzzer.js';
import { formatReport, groupFailures, headlines } from './fuzz/report.js';
import { attachSystem, bootSystem, type SystemUnderTest } from './fuzz/system-under-test.js';

// The HTTP fuzzer with a fixed seed (docs/operations.md "Fuzzing the API"). `npm run fuzz` runs it
// with any seed and budget, also against a running server: `npm run fuzz -- --seed 7 --requests 10000`.

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_208);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_000);
const TARGET_URL = process.env.FUZZ_URL;

describe('HTTP fuzzer', () => {
  let system: SystemUnderTest;
  let before: Fingerprint;
  let run: FuzzRun | undefined;

  beforeAll(async () => {
    system = TARGET_URL
      ? await attachSystem({ baseUrl: TARGET_URL, tokens: (process.env.FUZZ_TOKENS ?? '').split(',').filter(Boolean), ...(process.env.FUZZ_DATABASE_URL ? { databaseUrl: process.env.FUZZ_DATABASE_URL } : {}) })
      : await bootSystem();
    before = await system.fingerprinter.take();
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it(`answers every malformed request with a 4xx { error, message, details }, never a 5xx (seed ${SEED}, ${REQUESTS} requests)`, async () => {
    process.stdout.write(`fuzz: seed ${SEED}, ${REQUESTS} requests against ${TARGET_URL ?? 'a fresh API on an embedded PostgreSQL'}\n`);
    run = await runFuzz(system, { seed: SEED, requests: REQUESTS, progress: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(formatReport(run));
    expect(headlines(groupFailures(run.failures.filter((failure) => failure.verdict.kind !== 'wrote')))).toEqual([]);
    expect(run.sent).toBe(REQUESTS);
  }, 120_000 + REQUESTS * 250);

  it('wrote nothing for any of them: the log head and every read model are as before', async () => {
    expect(run).toBeDefined();
    expect(headlines(groupFailures((run as FuzzRun).failures.filter((failure) => failure.verdict.kind === 'wrote')))).toEqual([]);
    expect(await system.fingerprinter.take()).toEqual(before);
  });

  it('leaves the server healthy', async () => {
    expect(await healthy(system.baseUrl)).toBe(true);
  });
});
