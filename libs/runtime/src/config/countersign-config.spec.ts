import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './countersign-config.js';
import { ConfigError } from './duration.js';

const cwd = path.resolve('/srv/countersign');

describe('loadConfig', () => {
  it('falls back to the documented defaults when no variable is set', () => {
    expect(loadConfig({}, cwd)).toEqual({
      port: 3000,
      host: undefined,
      databaseUrl: undefined,
      eventStoreConnectionString: undefined,
      dataDir: path.join(cwd, '.countersign'),
      embeddedPostgresPort: undefined,
      principalsFile: undefined,
      principalsJson: undefined,
      contractsDir: undefined,
      approvalTtlMs: 24 * 3_600_000,
      readWaitTimeoutMs: 5_000,
      bodyLimitBytes: 1_048_576,
      poolSize: 20,
      runWorker: true,
      logLevel: 'info',
      timerPollMs: 250,
      maxConcurrentMutations: 64,
      maxQueuedMutations: 1000,
      queueTimeoutMs: 5_000,
      idempotencyRetentionMs: 24 * 3_600_000,
      idempotencyWaitMs: 10_000,
      dependencyTimeoutMs: 3_600_000,
      batchResumeAfterMs: 2_000,
      faultPoints: [],
      webhooks: {},
      webhookSecret: undefined,
      webhookTimeoutMs: 10_000,
      webhookMaxAttempts: 8,
      webhookBackoffMs: 1_000,
    });
  });

  it('treats empty variables as unset', () => {
    const env = {
      PORT: '',
      HOST: '',
      DATABASE_URL: '  ',
      EVENTSTORE_CONNECTION_STRING: ' ',
      COUNTERSIGN_DATA_DIR: '',
      COUNTERSIGN_EMBEDDED_PG_PORT: '',
      COUNTERSIGN_PRINCIPALS_FILE: '',
      COUNTERSIGN_PRINCIPALS: ' ',
      COUNTERSIGN_CONTRACTS_DIR: '',
      COUNTERSIGN_APPROVAL_TTL: '',
      COUNTERSIGN_READ_WAIT_TIMEOUT: '',
      COUNTERSIGN_BODY_LIMIT_BYTES: '',
      COUNTERSIGN_DB_POOL_SIZE: '',
      COUNTERSIGN_RUN_WORKER: '',
      COUNTERSIGN_LOG: '',
    };
    expect(loadConfig(env, cwd)).toEqual(loadConfig({}, cwd));
  });

  it('honours every variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        DATABASE_URL: 'postgres://app:secret@db:5432/countersign',
        EVENTSTORE_CONNECTION_STRING: ' esdb://eventstore:2113?tls=false ',
        COUNTERSIGN_DATA_DIR: 'var/data',
        COUNTERSIGN_EMBEDDED_PG_PORT: '54329',
        COUNTERSIGN_PRINCIPALS_FILE: '/etc/countersign/principals.json',
        COUNTERSIGN_PRINCIPALS: '[]',
        COUNTERSIGN_CONTRACTS_DIR: 'contracts',
        COUNTERSIGN_APPROVAL_TTL: '15m',
        COUNTERSIGN_READ_WAIT_TIMEOUT: '250ms',
        COUNTERSIGN_BODY_LIMIT_BYTES: '2048',
        COUNTERSIGN_DB_POOL_SIZE: '5',
        COUNTERSIGN_RUN_WORKER: 'false',
        COUNTERSIGN_LOG: 'silent',
        COUNTERSIGN_TIMER_POLL: '2s',
        COUNTERSIGN_MAX_CONCURRENT_MUTATIONS: '2',
        COUNTERSIGN_MAX_QUEUED_MUTATIONS: '0',
        COUNTERSIGN_QUEUE_TIMEOUT: '1s',
        COUNTERSIGN_IDEMPOTENCY_RETENTION: '3s',
        COUNTERSIGN_IDEMPOTENCY_WAIT: '500ms',
        COUNTERSIGN_DEPENDENCY_TIMEOUT: '10m',
        COUNTERSIGN_BATCH_RESUME_AFTER: '500ms',
        COUNTERSIGN_FAULT_POINTS: 'batch.compensation.applied, other',
        COUNTERSIGN_WEBHOOKS: '{"credit-limit.limit-set":"https://billing.example/hooks","*":"http://10.0.0.1:8080/all"}',
        COUNTERSIGN_WEBHOOK_SECRET: 'a-long-signing-secret',
        COUNTERSIGN_WEBHOOK_TIMEOUT: '3s',
        COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS: '5',
        COUNTERSIGN_WEBHOOK_BACKOFF: '200ms',
      },
      cwd,
    );
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://app:secret@db:5432/countersign',
      eventStoreConnectionString: 'esdb://eventstore:2113?tls=false',
      dataDir: path.join(cwd, 'var/data'),
      embeddedPostgresPort: 54329,
      principalsFile: '/etc/countersign/principals.json',
      principalsJson: '[]',
      contractsDir: path.join(cwd, 'contracts'),
      approvalTtlMs: 900_000,
      readWaitTimeoutMs: 250,
      bodyLimitBytes: 2048,
      poolSize: 5,
      runWorker: false,
      logLevel: 'silent',
      timerPollMs: 2_000,
      maxConcurrentMutations: 2,
      maxQueuedMutations: 0,
      queueTimeoutMs: 1_000,
      idempotencyRetentionMs: 3_000,
      idempotencyWaitMs: 500,
      dependencyTimeoutMs: 600_000,
      batchResumeAfterMs: 500,
      faultPoints: ['batch.compensation.applied', 'other'],
      webhooks: { 'credit-limit.limit-set': 'https://billing.example/hooks', '*': 'http://10.0.0.1:8080/all' },
      webhookSecret: 'a-long-signing-secret',
      webhookTimeoutMs: 3_000,
      webhookMaxAttempts: 5,
      webhookBackoffMs: 200,
    });
  });

  it('refuses webhooks without a signing secret, and malformed webhook maps', () => {
    expect(() => loadConfig({ COUNTERSIGN_WEBHOOKS: '{"a.b":"https://x.example"}' }, cwd)).toThrow(/COUNTERSIGN_WEBHOOK_SECRET/);
    expect(() => loadConfig({ COUNTERSIGN_WEBHOOKS: '["https://x.example"]', COUNTERSIGN_WEBHOOK_SECRET: 'a-long-signing-secret' }, cwd)).toThrow(/JSON object/);
    expect(() => loadConfig({ COUNTERSIGN_WEBHOOKS: '{"a.b":"ftp://x.example"}', COUNTERSIGN_WEBHOOK_SECRET: 'a-long-signing-secret' }, cwd)).toThrow(/http\(s\) URL/);
  });

  it('keeps absolute data and contract folders as given', () => {
    const config = loadConfig({ COUNTERSIGN_DATA_DIR: '/var/lib/countersign', COUNTERSIGN_CONTRACTS_DIR: '/opt/contracts' }, cwd);
    expect(config.dataDir).toBe('/var/lib/countersign');
    expect(config.contractsDir).toBe('/opt/contracts');
  });

  it('resolves the data folder against the process working directory by default', () => {
    expect(loadConfig({}).dataDir).toBe(path.resolve(process.cwd(), '.countersign'));
  });

  it.each(['1', 'true', 'YES'])('reads COUNTERSIGN_RUN_WORKER=%p as true', (raw) => {
    expect(loadConfig({ COUNTERSIGN_RUN_WORKER: raw }, cwd).runWorker).toBe(true);
  });

  it.each(['0', 'False', 'no'])('reads COUNTERSIGN_RUN_WORKER=%p as false', (raw) => {
    expect(loadConfig({ COUNTERSIGN_RUN_WORKER: raw }, cwd).runWorker).toBe(false);
  });

  it('logs unless COUNTERSIGN_LOG is exactly silent', () => {
    expect(loadConfig({ COUNTERSIGN_LOG: 'debug' }, cwd).logLevel).toBe('info');
  });

  it('accepts the bounds of each integer range', () => {
    expect(loadConfig({ PORT: '0' }, cwd).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }, cwd).port).toBe(65_535);
    expect(loadConfig({ COUNTERSIGN_DB_POOL_SIZE: '2' }, cwd).poolSize).toBe(2);
    expect(loadConfig({ COUNTERSIGN_DB_POOL_SIZE: '500' }, cwd).poolSize).toBe(500);
    expect(loadConfig({ COUNTERSIGN_BODY_LIMIT_BYTES: '1024' }, cwd).bodyLimitBytes).toBe(1024);
    expect(loadConfig({ COUNTERSIGN_BODY_LIMIT_BYTES: String(100 * 1_048_576) }, cwd).bodyLimitBytes).toBe(100 * 1_048_576);
  });

  it.each([
    ['PORT', 'http', 'PORT="http" must be an integer between 0 and 65535'],
    ['PORT', '65536', 'PORT="65536" must be an integer between 0 and 65535'],
    ['PORT', '80.5', 'PORT="80.5" must be an integer between 0 and 65535'],
    ['PORT', '-1', 'PORT="-1" must be an integer between 0 and 65535'],
    ['PORT', '  ', 'PORT="  " must be an integer between 0 and 65535'],
    ['PORT', '0x50', 'PORT="0x50" must be an integer between 0 and 65535'],
    ['PORT', '8e3', 'PORT="8e3" must be an integer between 0 and 65535'],
    ['COUNTERSIGN_EMBEDDED_PG_PORT', '0', 'COUNTERSIGN_EMBEDDED_PG_PORT="0" must be an integer between 1 and 65535'],
    ['COUNTERSIGN_EMBEDDED_PG_PORT', 'five', 'COUNTERSIGN_EMBEDDED_PG_PORT="five" must be an integer between 1 and 65535'],
    ['COUNTERSIGN_BODY_LIMIT_BYTES', '1023', 'COUNTERSIGN_BODY_LIMIT_BYTES="1023" must be an integer between 1024 and 104857600'],
    ['COUNTERSIGN_BODY_LIMIT_BYTES', '1mb', 'COUNTERSIGN_BODY_LIMIT_BYTES="1mb" must be an integer between 1024 and 104857600'],
    ['COUNTERSIGN_DB_POOL_SIZE', '1', 'COUNTERSIGN_DB_POOL_SIZE="1" must be an integer between 2 and 500'],
    ['COUNTERSIGN_DB_POOL_SIZE', '501', 'COUNTERSIGN_DB_POOL_SIZE="501" must be an integer between 2 and 500'],
    ['COUNTERSIGN_RUN_WORKER', 'maybe', 'COUNTERSIGN_RUN_WORKER="maybe" must be true or false'],
    ['COUNTERSIGN_APPROVAL_TTL', 'tomorrow', 'COUNTERSIGN_APPROVAL_TTL="tomorrow" is not a duration like 24h, 15m, 3s or 250ms'],
    ['COUNTERSIGN_APPROVAL_TTL', '0h', 'COUNTERSIGN_APPROVAL_TTL must be longer than 0'],
    ['COUNTERSIGN_READ_WAIT_TIMEOUT', '5', 'COUNTERSIGN_READ_WAIT_TIMEOUT="5" is not a duration like 24h, 15m, 3s or 250ms'],
  ])('refuses %s=%p with a ConfigError naming the variable', (name, raw, message) => {
    const attempt = () => loadConfig({ [name]: raw }, cwd);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
});
