import 'reflect-metadata';
import { ContractRegistry, loadConfig } from '@countersign/runtime';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiModule } from '../app.module.js';
import { buildOpenApiDocument } from './openapi-document.js';

/**
 * The document without a running system: the API module in Nest's preview mode (modules and
 * routes, no providers, no database). `npm run client:generate` and the client's drift check use it.
 */
export async function createOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({ COUNTERSIGN_LOG: 'silent' });
  const module = ApiModule.register({ config, databaseUrl: 'postgres://preview.invalid/countersign', principals: [], contracts: new ContractRegistry(), log: () => undefined });
  const app = await NestFactory.create(module, new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
