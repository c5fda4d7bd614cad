import { createApiApp } from '@countersign/api';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { buildContractRegistry, loadConfig, type CountersignConfig } from '@countersign/runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PATIENT_TEST_ENV } from './patient-env.js';
import type { FastifyInstance } from 'fastify';
import { assertDocumentedResponse } from './openapi-check.js';
import { TEST_PRINCIPALS, type TestPrincipalName } from './principals.js';

export interface ApiResponse<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  as?: TestPrincipalName | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A running API on its own real PostgreSQL database, spoken to over HTTP. */
export class TestApi {
  private constructor(
    public baseUrl: string,
    readonly database: TestDatabase,
    private readonly apps: NestFastifyApplication[],
  ) {}

  static async start(env: Record<string, string> = {}, database?: TestDatabase): Promise<TestApi> {
    const db = database ?? (await createTestDatabase('e2e'));
    const app = await bootApp(db.url, env);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new TestApi(`http://127.0.0.1:${port}`, db, [app]);
  }

  /** Starts the API again on the same database after stop(). */
  async restart(env: Record<string, string> = {}): Promise<void> {
    const app = await bootApp(this.database.url, env);
    this.apps.push(app);
    const address = app.getHttpServer().address();
    this.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** A second API process on the same database (a replica); closed with this one. */
  async startReplica(env: Record<string, string> = {}): Promise<string> {
    const app = await bootApp(this.database.url, { COUNTERSIGN_RUN_WORKER: 'false', ...env });
    this.apps.push(app);
    const address = app.getHttpServer().address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async request<T = Record<string, any>>(method: string, path: string, options: RequestOptions = {}, baseUrl = this.baseUrl): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const who = options.as === undefined ? 'alice' : options.as;
    if (who !== null) headers.authorization = `Bearer ${TEST_PRINCIPALS[who].token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // metrics and other text answers stay strings
    }
    // Every answer must be one the OpenAPI document describes (test-e2e/src/support/openapi-check.ts).
    await assertDocumentedResponse({ method, path, status: response.status, contentType: response.headers.get('content-type'), body: parsed });
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** The first process's Fastify server (to inspect what it registered). */
  fastify(): FastifyInstance {
    return (this.apps[0] as NestFastifyApplication).getHttpAdapter().getInstance();
  }

  submit(body: Record<string, unknown>, as: TestPrincipalName = 'alice', headers: Record<string, string> = {}) {
    return this.request('POST', '/v1/mutations', { as, body, headers });
  }

  async headPosition(): Promise<number> {
    const health = await this.request('GET', '/health', { as: null });
    return health.body.details.log.headPosition as number;
  }

  /** Stops every process but keeps the database (to start again on it, as after a restart). */
  async stop(): Promise<void> {
    for (const app of this.apps.reverse()) await app.close();
    this.apps.length = 0;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.database.drop();
  }
}

async function bootApp(databaseUrl: string, env: Record<string, string>): Promise<NestFastifyApplication> {
  const config: CountersignConfig = loadConfig({ COUNTERSIGN_LOG: 'silent', COUNTERSIGN_DATA_DIR: '/nonexistent', ...PATIENT_TEST_ENV, ...env });
  const log = config.logLevel === 'silent' ? () => undefined : (message: string) => process.stderr.write(`[test-api] ${message}\n`);
  const app = await createApiApp({
    config,
    databaseUrl,
    principals: Object.values(TEST_PRINCIPALS),
    contracts: await buildContractRegistry(config.contractsDir, log),
    log,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}
