import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiModule, type ApiModuleOptions } from './app.module.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { frameworkErrorOptions, installRequestGuards } from './http/request-guards.js';
import { Metrics } from './metrics/metrics.js';
import { recordRoutes } from './http/route-table.js';
import { buildOpenApiDocument, OpenApiDocument } from './openapi/openapi-document.js';

/** Builds the API application (not yet listening); used by main and by the e2e tests. */
export async function createApiApp(options: ApiModuleOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: options.config.bodyLimitBytes, logger: false, ...frameworkErrorOptions });
  // The API speaks JSON only, through one parser of its own: Nest registers none (bodyParser: false).
  installRequestGuards(adapter.getInstance(), options.config.bodyLimitBytes);
  recordRoutes(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.register(options), adapter, {
    logger: options.config.logLevel === 'silent' ? false : ['error', 'warn'],
    abortOnError: false,
    bodyParser: false,
  });
  app.useGlobalFilters(new ApiExceptionFilter(options.log));
  const metrics = app.get(Metrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      metrics.increment('countersign_http_requests_total', { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
      done();
    });
  app.get(OpenApiDocument).bind(() => buildOpenApiDocument(app));
  await app.init();
  return app;
}
