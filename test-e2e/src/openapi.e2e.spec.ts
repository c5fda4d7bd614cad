import { createOpenApiDocument, registeredRoutes } from '@countersign/api';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DocumentedResponses } from './support/openapi-check.js';
import { TestApi } from './support/test-api.js';

describe('the OpenAPI document and its reference page', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('serves the OpenAPI 3.1 document without a token, exactly as the code generates it', async () => {
    const served = await api.request('GET', '/openapi.json', { as: null });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(await createOpenApiDocument())));
    expect(served.body.openapi).toBe('3.1.0');
  });

  it('documents every route the server registers, and nothing else', async () => {
    const document = (await api.request('GET', '/openapi.json', { as: null })).body as { paths: Record<string, Record<string, unknown>> };
    const routes = registeredRoutes(api.fastify());
    const gets = new Set(routes.filter((route) => route.method === 'GET').map((route) => route.url));
    const registered = routes
      // Fastify answers HEAD for every GET route by itself.
      .filter((route) => !(route.method === 'HEAD' && gets.has(route.url)))
      .map((route) => `${route.method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect([...new Set(registered)].sort()).toEqual(documented.sort());
    for (const route of ['POST /v1/mutations', 'GET /v1/mutations/{id}', 'GET /v1/mutations', 'POST /v1/mutations/{id}/approvals', 'POST /v1/mutations/{id}/cancel', 'POST /v1/mutations/{id}/revert']) {
      expect(documented).toContain(route);
    }
    for (const route of ['POST /v1/batches', 'GET /v1/batches/{id}', 'GET /v1/approvals/pending', 'GET /v1/states/{type}/{id}', 'GET /v1/states/{type}/{id}/history', 'GET /v1/contracts']) {
      expect(documented).toContain(route);
    }
    for (const route of ['GET /health', 'GET /metrics', 'GET /openapi.json', 'GET /docs']) expect(documented).toContain(route);
  });

  it('serves the reference page without a token, loading only files of this server', async () => {
    const page = await api.request('GET', '/docs', { as: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = page.body as unknown as string;
    expect(html).not.toMatch(/https?:\/\//);
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(files).toEqual(expect.arrayContaining(['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/countersign-docs.js']));
    for (const file of files) {
      const asset = await fetch(new URL(file, `${api.baseUrl}/docs`));
      expect({ file, status: asset.status }).toEqual({ file, status: 200 });
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const start = await api.request('GET', '/docs/countersign-docs.js', { as: null });
    expect(start.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(start.body).toContain("new URL('openapi.json', document.baseURI)");
    expect(start.body).toContain('validatorUrl: null');
  });

  it('answers a file the reference page does not have with 404 not_found', async () => {
    const missing = await api.request('GET', '/docs/index.html', { as: null });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found', details: { asset: 'index.html' } });
    const escape = await api.request('GET', '/docs/..%2Fpackage.json', { as: null });
    expect(escape.status).toBe(404);
  });
});

describe('the response check of the e2e tests', () => {
  let checker: DocumentedResponses;
  const contract = { stateType: 'feature-flag', stateSchema: {}, classification: {}, transitions: [], policies: [], sensitive: [], sideEffectTypes: [] };

  beforeAll(async () => {
    checker = new DocumentedResponses(await createOpenApiDocument());
  });

  it('accepts an answer the document describes', () => {
    expect(() => checker.check({ method: 'GET', path: '/v1/contracts', status: 200, contentType: 'application/json; charset=utf-8', body: { items: [contract] } })).not.toThrow();
    expect(() =>
      checker.check({ method: 'GET', path: '/v1/mutations/not-a-uuid?minPosition=1', status: 400, contentType: 'application/json', body: { error: 'invalid_request', message: 'x', details: {} } }),
    ).not.toThrow();
    expect(() => checker.check({ method: 'GET', path: '/v1/nowhere', status: 404, contentType: 'application/json', body: { error: 'not_found', message: 'no such route', details: {} } })).not.toThrow();
  });

  it('refuses a field the schema does not have, and a missing one', () => {
    expect(() => checker.check({ method: 'GET', path: '/v1/contracts', status: 200, contentType: 'application/json', body: { items: [{ ...contract, secret: 1 }] } })).toThrow(/secret/);
    const { stateSchema: _schema, ...missing } = contract;
    expect(() => checker.check({ method: 'GET', path: '/v1/contracts', status: 200, contentType: 'application/json', body: { items: [missing] } })).toThrow(/stateSchema/);
  });

  it('refuses an undocumented status, error code, content type or route', () => {
    expect(() => checker.check({ method: 'GET', path: '/v1/contracts', status: 404, contentType: 'application/json', body: { error: 'not_found', message: 'x', details: {} } })).toThrow(/not documented/);
    expect(() => checker.check({ method: 'GET', path: '/v1/mutations/00000000-0000-4000-8000-000000000000', status: 404, contentType: 'application/json', body: { error: 'batch_not_found', message: 'x', details: {} } })).toThrow(
      /does not match/,
    );
    expect(() => checker.check({ method: 'GET', path: '/v1/contracts', status: 200, contentType: 'text/html', body: '<html>' })).toThrow(/text\/html/);
    expect(() => checker.check({ method: 'GET', path: '/v1/nowhere', status: 200, contentType: 'application/json', body: {} })).toThrow(/no operation/);
    expect(() => checker.check({ method: 'DELETE', path: '/v1/contracts', status: 200, contentType: 'application/json', body: { items: [] } })).toThrow(/no operation/);
  });
});
