import path from 'node:path';
import { ConfigError, parseDuration } from './duration.js';

export interface CountersignConfig {
  /** HTTP port (PORT, default 3000). */
  port: number;
  /** HTTP bind address (HOST); unset, the API picks loopback with demo principals and every interface otherwise. */
  host?: string;
  /** External PostgreSQL (DATABASE_URL); the embedded server is used when absent. */
  databaseUrl?: string;
  /** EventStoreDB / KurrentDB as the event store (EVENTSTORE_CONNECTION_STRING); PostgreSQL's when absent. */
  eventStoreConnectionString?: string;
  /** Folder for the embedded server's data and generated demo principals (COUNTERSIGN_DATA_DIR, default .countersign). */
  dataDir: string;
  /** Fixed port for the embedded server (COUNTERSIGN_EMBEDDED_PG_PORT); a free one otherwise. */
  embeddedPostgresPort?: number;
  principalsFile?: string;
  principalsJson?: string;
  contractsDir?: string;
  /** How long a pending mutation waits (COUNTERSIGN_APPROVAL_TTL, default 24h). */
  approvalTtlMs: number;
  /** Longest a read with minPosition waits for projections (COUNTERSIGN_READ_WAIT_TIMEOUT, default 5s). */
  readWaitTimeoutMs: number;
  /** Largest accepted request body (COUNTERSIGN_BODY_LIMIT_BYTES, default 1 MiB). */
  bodyLimitBytes: number;
  /** Connections per pool (COUNTERSIGN_DB_POOL_SIZE, default 20). */
  poolSize: number;
  /** Run projection workers in this process (COUNTERSIGN_RUN_WORKER, default true for the api). */
  runWorker: boolean;
  /** Log lines as they happen (COUNTERSIGN_LOG=silent to mute). */
  logLevel: 'info' | 'silent';
  /** How often the worker looks for due timers (COUNTERSIGN_TIMER_POLL, default 250ms). */
  timerPollMs: number;
  /** Mutation executions at once per process (COUNTERSIGN_MAX_CONCURRENT_MUTATIONS, default 64). */
  maxConcurrentMutations: number;
  /** Requests that may wait for an execution slot (COUNTERSIGN_MAX_QUEUED_MUTATIONS, default 1000). */
  maxQueuedMutations: number;
  /** How long a request waits for a slot before 429 over_capacity (COUNTERSIGN_QUEUE_TIMEOUT, default 5s). */
  queueTimeoutMs: number;
  /** How long idempotency keys are kept (COUNTERSIGN_IDEMPOTENCY_RETENTION, default 24h). */
  idempotencyRetentionMs: number;
  /** How long a retry waits for the first request with its key to finish (COUNTERSIGN_IDEMPOTENCY_WAIT, default 10s). */
  idempotencyWaitMs: number;
  /** How long a mutation waits for its dependsOn unless the request says (COUNTERSIGN_DEPENDENCY_TIMEOUT, default 1h). */
  dependencyTimeoutMs: number;
  /** How long a running batch may go without progress before a worker resumes its saga (COUNTERSIGN_BATCH_RESUME_AFTER, default 2s). */
  batchResumeAfterMs: number;
  /** Webhook URL per side-effect type, `*` for any other type (COUNTERSIGN_WEBHOOKS, a JSON object); none by default. */
  webhooks: Record<string, string>;
  /** The key that signs webhook bodies (HMAC-SHA256; COUNTERSIGN_WEBHOOK_SECRET, required with webhooks). */
  webhookSecret?: string;
  /** How long one webhook call may take (COUNTERSIGN_WEBHOOK_TIMEOUT, default 10s). */
  webhookTimeoutMs: number;
  /** Attempts before a side effect goes to the dead letters (COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS, default 8). */
  webhookMaxAttempts: number;
  /** Wait after the first failed attempt, doubling after each, at most 10 min (COUNTERSIGN_WEBHOOK_BACKOFF, default 1s). */
  webhookBackoffMs: number;
  /** Fault injection for crash tests (COUNTERSIGN_FAULT_POINTS, comma-separated): the process kills itself at the first named point it reaches. */
  faultPoints: string[];
}

/** DI token for the process configuration. */
export const RUNTIME_CONFIG = Symbol('RUNTIME_CONFIG');

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): CountersignConfig {
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: nonEmpty(env.HOST)?.trim(),
    databaseUrl: nonEmpty(env.DATABASE_URL),
    eventStoreConnectionString: nonEmpty(env.EVENTSTORE_CONNECTION_STRING)?.trim(),
    dataDir: path.resolve(cwd, env.COUNTERSIGN_DATA_DIR || '.countersign'),
    embeddedPostgresPort: env.COUNTERSIGN_EMBEDDED_PG_PORT ? integer(env, 'COUNTERSIGN_EMBEDDED_PG_PORT', 0, 1, 65_535) : undefined,
    principalsFile: nonEmpty(env.COUNTERSIGN_PRINCIPALS_FILE),
    principalsJson: nonEmpty(env.COUNTERSIGN_PRINCIPALS),
    contractsDir: env.COUNTERSIGN_CONTRACTS_DIR ? path.resolve(cwd, env.COUNTERSIGN_CONTRACTS_DIR) : undefined,
    approvalTtlMs: parseDuration(env.COUNTERSIGN_APPROVAL_TTL || '24h', 'COUNTERSIGN_APPROVAL_TTL'),
    readWaitTimeoutMs: parseDuration(env.COUNTERSIGN_READ_WAIT_TIMEOUT || '5s', 'COUNTERSIGN_READ_WAIT_TIMEOUT'),
    bodyLimitBytes: integer(env, 'COUNTERSIGN_BODY_LIMIT_BYTES', 1_048_576, 1_024, 100 * 1_048_576),
    poolSize: integer(env, 'COUNTERSIGN_DB_POOL_SIZE', 20, 2, 500),
    runWorker: boolean(env, 'COUNTERSIGN_RUN_WORKER', true),
    logLevel: env.COUNTERSIGN_LOG === 'silent' ? 'silent' : 'info',
    timerPollMs: parseDuration(env.COUNTERSIGN_TIMER_POLL || '250ms', 'COUNTERSIGN_TIMER_POLL'),
    maxConcurrentMutations: integer(env, 'COUNTERSIGN_MAX_CONCURRENT_MUTATIONS', 64, 1, 100_000),
    maxQueuedMutations: integer(env, 'COUNTERSIGN_MAX_QUEUED_MUTATIONS', 1000, 0, 1_000_000),
    queueTimeoutMs: parseDuration(env.COUNTERSIGN_QUEUE_TIMEOUT || '5s', 'COUNTERSIGN_QUEUE_TIMEOUT'),
    idempotencyRetentionMs: parseDuration(env.COUNTERSIGN_IDEMPOTENCY_RETENTION || '24h', 'COUNTERSIGN_IDEMPOTENCY_RETENTION'),
    idempotencyWaitMs: parseDuration(env.COUNTERSIGN_IDEMPOTENCY_WAIT || '10s', 'COUNTERSIGN_IDEMPOTENCY_WAIT'),
    dependencyTimeoutMs: parseDuration(env.COUNTERSIGN_DEPENDENCY_TIMEOUT || '1h', 'COUNTERSIGN_DEPENDENCY_TIMEOUT'),
    batchResumeAfterMs: parseDuration(env.COUNTERSIGN_BATCH_RESUME_AFTER || '2s', 'COUNTERSIGN_BATCH_RESUME_AFTER'),
    faultPoints: (env.COUNTERSIGN_FAULT_POINTS ?? '').split(',').map((point) => point.trim()).filter(Boolean),
    ...webhookConfig(env),
  };
}

function webhookConfig(env: Env): Pick<CountersignConfig, 'webhooks' | 'webhookSecret' | 'webhookTimeoutMs' | 'webhookMaxAttempts' | 'webhookBackoffMs'> {
  const webhooks = parseWebhooks(env.COUNTERSIGN_WEBHOOKS);
  const webhookSecret = nonEmpty(env.COUNTERSIGN_WEBHOOK_SECRET);
  if (Object.keys(webhooks).length > 0 && (webhookSecret === undefined || webhookSecret.length < 16)) {
    throw new ConfigError('COUNTERSIGN_WEBHOOK_SECRET (at least 16 characters) is required when COUNTERSIGN_WEBHOOKS is set: webhook bodies are signed with it');
  }
  return {
    webhooks,
    webhookSecret,
    webhookTimeoutMs: parseDuration(env.COUNTERSIGN_WEBHOOK_TIMEOUT || '10s', 'COUNTERSIGN_WEBHOOK_TIMEOUT'),
    webhookMaxAttempts: integer(env, 'COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
    webhookBackoffMs: parseDuration(env.COUNTERSIGN_WEBHOOK_BACKOFF || '1s', 'COUNTERSIGN_WEBHOOK_BACKOFF'),
  };
}

/** `{"<side-effect type>": "<http(s) URL>", "*": "<URL for any other type>"}`. */
function parseWebhooks(raw: string | undefined): Record<string, string> {
  if (nonEmpty(raw) === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw as string);
  } catch {
    throw new ConfigError('COUNTERSIGN_WEBHOOKS must be a JSON object of side-effect type to URL');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('COUNTERSIGN_WEBHOOKS must be a JSON object of side-effect type to URL');
  const webhooks: Record<string, string> = {};
  for (const [type, url] of Object.entries(parsed)) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new ConfigError(`COUNTERSIGN_WEBHOOKS: the URL of "${type}" must be an http(s) URL`);
    webhooks[type] = url;
  }
  return webhooks;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Plain decimal digits only: Number() would read "  " as 0 (PORT 0 = a random port), "0x50" as 80, "8e3" as 8000.
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name}="${raw}" must be an integer between ${min} and ${max}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name}="${raw}" must be true or false`);
}
