import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@countersign/persistence';
import { TEST_PRINCIPALS } from '../support/principals.js';
import { databaseFingerprinter, healthFingerprinter, type Fingerprint, type Fingerprinter } from './fingerprint.js';
import { healthy, type FuzzSystem } from './fuzzer.js';
import { defaultTargets, type Targets } from './routes.js';

/** The API the fuzzer speaks to: one it booted itself, or one already running (`--url`). */
export interface SystemUnderTest extends FuzzSystem {
  /** The server's `internal error` log lines since the last call (only for a server the fuzzer booted). */
  drainInternalErrors(): string[];
  stop(): Promise<void>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = path.join(root, 'test-e2e/src/fixtures');

/**
 * Boots `apps/api/dist/main.js` (the `npm start` entry) on its own embedded PostgreSQL in a temp
 * folder, with the test principals and contracts, and gives it something to aim at: a flag and a
 * credit line, an applied mutation, one pending an approval, one pending an external check, a
 * pending batch and a dead-letter side effect.
 */
export async function bootSystem(): Promise<SystemUnderTest> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-fuzz-'));
  const [port, postgresPort, nobodyListens] = await distinctFreePorts(3);
  const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      EVENTSTORE_CONNECTION_STRING: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      COUNTERSIGN_DATA_DIR: dataDir,
      COUNTERSIGN_EMBEDDED_PG_PORT: String(postgresPort),
      COUNTERSIGN_PRINCIPALS: JSON.stringify(Object.values(TEST_PRINCIPALS)),
      COUNTERSIGN_CONTRACTS_DIR: fixtures,
      // The seeded side effect's webhook refuses the connection: one failed attempt makes it a dead letter, then nothing moves.
      COUNTERSIGN_WEBHOOKS: JSON.stringify({ '*': `http://127.0.0.1:${nobodyListens}/hook` }),
      COUNTERSIGN_WEBHOOK_SECRET: 'fuzz-webhook-secret',
      COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS: '1',
      // A minPosition past 2^53 waits this long before its 503 (a defect the fuzzer reports): keep the run short.
      COUNTERSIGN_READ_WAIT_TIMEOUT: '250ms',
      COUNTERSIGN_LOG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const internalErrors: string[] = [];
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    const lines = output.split('\n');
    output = lines.pop() ?? '';
    for (const line of lines) if (line.includes('internal error:')) internalErrors.push(line.slice(line.indexOf('internal error:') + 'internal error: '.length));
    if (output.length > 100_000) output = '';
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const baseUrl = `http://127.0.0.1:${port}`;
  let fingerprinter: Fingerprinter | undefined;
  const stop = async () => {
    await fingerprinter?.close().catch(() => undefined);
    await stopProcess(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntil(() => healthy(baseUrl), 60_000, () => `the API did not become healthy${child.exitCode !== null ? ` (exited ${child.exitCode})` : ''}`);
    const targets = await seedTargets(baseUrl);
    fingerprinter = await databaseFingerprinter(`postgres://postgres:countersign@127.0.0.1:${postgresPort}/countersign`);
    await settle(baseUrl, fingerprinter, targets);
    return {
      baseUrl,
      tokens: Object.values(TEST_PRINCIPALS).map((principal) => principal.token),
      targets,
      fingerprinter,
      drainInternalErrors: () => internalErrors.splice(0),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An API that is already running: targets are looked up read-only; the fingerprint is the log head unless the database is given. */
export async function attachSystem(options: { baseUrl: string; tokens: string[]; databaseUrl?: string }): Promise<SystemUnderTest> {
  if (options.tokens.length === 0) throw new Error('a running server needs at least one valid token (FUZZ_TOKENS, or --token with npm run fuzz)');
  if (!(await healthy(options.baseUrl))) throw new Error(`${options.baseUrl}/health does not answer 200 ok`);
  const fingerprinter = options.databaseUrl ? await databaseFingerprinter(options.databaseUrl) : healthFingerprinter(options.baseUrl);
  return {
    baseUrl: options.baseUrl,
    tokens: options.tokens,
    targets: await discoverTargets(options.baseUrl, options.tokens[0] as string),
    fingerprinter,
    drainInternalErrors: () => [],
    stop: () => fingerprinter.close(),
  };
}

async function call(baseUrl: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

async function seedTargets(baseUrl: string): Promise<Targets> {
  const alice = TEST_PRINCIPALS.alice.token;
  const submit = async (body: Record<string, unknown>, expected: number) => {
    const answer = await call(baseUrl, alice, 'POST', '/v1/mutations', body);
    if (answer.status !== expected) throw new Error(`seeding ${JSON.stringify(body)}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { mutationId: string; position: number };
  };
  const flag = 'fuzz-flag';
  const credit = 'fuzz-credit';
  await submit({ stateType: 'feature-flag', stateId: flag, transition: 'create', payload: { owner: 'fuzz' } }, 201);
  const applied = await submit({ stateType: 'feature-flag', stateId: flag, transition: 'enable', payload: {}, reason: 'fuzz target' }, 201);
  const pending = await submit({ stateType: 'feature-flag', stateId: flag, transition: 'setRollout', payload: { percentage: 80 }, tags: ['prod'] }, 202);
  await submit({ stateType: 'credit-limit', stateId: credit, transition: 'open', payload: { customerId: 'fuzz', currency: 'EUR', limit: 1000 } }, 201);
  const limitSet = await submit({ stateType: 'credit-limit', stateId: credit, transition: 'setLimit', payload: { amount: 2000 } }, 201);
  await submit({ stateType: 'deploy-gate', stateId: 'fuzz-gate', transition: 'register', payload: { service: 'fuzz' } }, 201);
  const release = await submit({ stateType: 'deploy-gate', stateId: 'fuzz-gate', transition: 'release', payload: { version: '1.0.0' } }, 202);
  const batch = await call(baseUrl, alice, 'POST', '/v1/batches', { mode: 'atomic', mutations: [{ stateType: 'credit-limit', stateId: credit, transition: 'raiseLimit', payload: { by: 50_000 } }] });
  if (batch.status !== 202) throw new Error(`seeding the pending batch: ${batch.status} ${JSON.stringify(batch.body)}`);
  let deliveryId: string | undefined;
  await waitUntil(
    async () => {
      const effects = await call(baseUrl, alice, 'GET', `/v1/side-effects?mutationId=${limitSet.mutationId}&minPosition=${limitSet.position}`);
      deliveryId = effects.body.items?.[0]?.deliveryId;
      return deliveryId !== undefined;
    },
    30_000,
    () => 'the side effect of the seeded setLimit was never listed',
  );
  return {
    flag,
    credit,
    appliedMutationId: applied.mutationId,
    pendingMutationId: pending.mutationId,
    pendingCheck: { mutationId: release.mutationId, name: 'security-scan' },
    pendingBatchId: batch.body.batchId,
    deliveryId: deliveryId as string,
  };
}

/** Waits until the worker has nothing left to do (projections caught up, the side effect dead) and the fingerprint holds still. */
async function settle(baseUrl: string, fingerprinter: Fingerprinter, targets: Targets): Promise<void> {
  const alice = TEST_PRINCIPALS.alice.token;
  await waitUntil(
    async () => {
      const health = await call(baseUrl, alice, 'GET', '/health');
      const caughtUp = (health.body.details?.projections ?? []).every((projection: { lag: number }) => projection.lag === 0);
      const effect = await call(baseUrl, alice, 'GET', `/v1/side-effects/${targets.deliveryId}`);
      return caughtUp && effect.body.status === 'dead';
    },
    60_000,
    () => 'the seeded system did not settle (projections lagging or the side effect not dead)',
  );
  let previous: Fingerprint = await fingerprinter.take();
  await waitUntil(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const next = await fingerprinter.take();
      const still = JSON.stringify(next) === JSON.stringify(previous);
      previous = next;
      return still;
    },
    30_000,
    () => 'the database kept changing without requests',
  );
}

/** Looks up read-only what an already running system holds; what it lacks stays a uuid that names nothing. */
async function discoverTargets(baseUrl: string, token: string): Promise<Targets> {
  const targets = defaultTargets();
  const items = async (route: string): Promise<any[]> => {
    const answer = await call(baseUrl, token, 'GET', route).catch(() => ({ status: 0, body: {} }));
    return answer.status === 200 && Array.isArray(answer.body.items) ? answer.body.items : [];
  };
  const pending = await items('/v1/mutations?status=pending&limit=100');
  const waitsFor = (kind: string) => pending.find((item) => (item.requirements ?? []).some((requirement: { kind: string }) => requirement.kind === kind));
  const approval = waitsFor('approval');
  const check = waitsFor('external_check');
  const applied = (await items('/v1/mutations?status=applied&limit=1'))[0];
  const flag = (await items('/v1/mutations?stateType=feature-flag&status=applied&limit=1'))[0];
  const credit = (await items('/v1/mutations?stateType=credit-limit&status=applied&limit=1'))[0];
  const batch = (await items('/v1/batches?status=pending&limit=1'))[0];
  const effect = (await items('/v1/side-effects?limit=1'))[0];
  return {
    flag: flag?.stateId ?? targets.flag,
    credit: credit?.stateId ?? targets.credit,
    appliedMutationId: applied?.mutationId ?? targets.appliedMutationId,
    pendingMutationId: approval?.mutationId ?? targets.pendingMutationId,
    pendingCheck: check
      ? { mutationId: check.mutationId, name: check.requirements.find((requirement: { kind: string }) => requirement.kind === 'external_check').name }
      : targets.pendingCheck,
    pendingBatchId: batch?.batchId ?? targets.pendingBatchId,
    deliveryId: effect?.deliveryId ?? targets.deliveryId,
  };
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, failure: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(failure());
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killed);
}
