import { describe, expect, it } from '@jest/globals';
import { CountersignApiError, unwrap } from './api-error.js';
import { createCountersignClient } from './countersign-client.js';
import { WaitForError } from './wait-for.js';

const MUTATION_ID = '41ee741e-2f71-4ef2-8bbc-c4d76f61d291';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/** A fake server: answers with the handler, and keeps every request it saw. */
function fakeFetch(handler: (request: Request, url: URL) => Response) {
  const seen: Request[] = [];
  const fetch = async (request: Request) => {
    seen.push(request.clone());
    return handler(request, new URL(request.url));
  };
  return { fetch, seen };
}

function mutation(status: string) {
  return { mutationId: MUTATION_ID, status, timeline: [] };
}

describe('the Countersign client', () => {
  it('sends the bearer token and the base URL with every request', async () => {
    const server = fakeFetch(() => json(200, { items: [] }));
    const client = createCountersignClient({ baseUrl: 'http://countersign.test:3000', token: 'secret-token', fetch: server.fetch });
    await client.GET('/v1/contracts');
    expect(server.seen[0]?.url).toBe('http://countersign.test:3000/v1/contracts');
    expect(server.seen[0]?.headers.get('authorization')).toBe('Bearer secret-token');
  });

  it('remembers the position of its last write and sends it as minPosition on the reads that take it', async () => {
    let position = 41;
    const server = fakeFetch((request) => (request.method === 'POST' ? json(201, { mutationId: MUTATION_ID, status: 'applied', position: (position += 1) }) : json(200, mutation('applied'))));
    const client = createCountersignClient({ fetch: server.fetch });
    expect(client.position).toBe(0);
    await client.GET('/v1/mutations/{id}', { params: { path: { id: MUTATION_ID } } });
    await client.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'enable', payload: {} } });
    await client.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'disable', payload: {} } });
    await client.GET('/v1/mutations/{id}', { params: { path: { id: MUTATION_ID } } });
    await client.GET('/v1/mutations/{id}', { params: { path: { id: MUTATION_ID }, query: { minPosition: 7 } } });
    await client.GET('/v1/contracts');
    const reads = server.seen.filter((request) => request.method === 'GET').map((request) => new URL(request.url).searchParams.get('minPosition'));
    expect(client.position).toBe(43);
    expect(reads).toEqual([null, '43', '7', null]);
  });

  it('counts a recorded denial as a write, and ignores answers without a position', async () => {
    const answers = [json(403, { error: 'policy_denied', message: 'no', details: {}, mutationId: MUTATION_ID, status: 'denied', position: 25 }), json(200, { mutationId: MUTATION_ID, position: null })];
    const server = fakeFetch(() => answers.shift() as Response);
    const client = createCountersignClient({ fetch: server.fetch });
    const denied = await client.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'agent-flag', transition: 'create', payload: {} } });
    expect(denied.error).toMatchObject({ error: 'policy_denied' });
    await client.POST('/v1/mutations/{id}/approvals', { params: { path: { id: MUTATION_ID } }, body: { decision: 'approve' } });
    expect(client.position).toBe(25);
  });

  it('shares its read-your-writes position with a client made for another principal', async () => {
    const server = fakeFetch((request) => (request.method === 'POST' ? json(202, { mutationId: MUTATION_ID, status: 'pending', position: 17 }) : json(200, { items: [], nextCursor: null })));
    const alice = createCountersignClient({ token: 'alice', fetch: server.fetch });
    const bob = alice.withToken('bob');
    await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'setRollout', payload: { percentage: 80 } } });
    await bob.GET('/v1/approvals/pending');
    const read = server.seen[1] as Request;
    expect(read.headers.get('authorization')).toBe('Bearer bob');
    expect(new URL(read.url).searchParams.get('minPosition')).toBe('17');
    bob.remember(30);
    expect(alice.position).toBe(30);
  });

  it('follows nextCursor through every page, keeping the filters', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [{ n: 1 }, { n: 2 }], nextCursor: 'page-2' },
      'page-2': { items: [{ n: 3 }], nextCursor: 'page-3' },
      'page-3': { items: [], nextCursor: null },
    };
    const server = fakeFetch((_request, url) => json(200, pages[url.searchParams.get('cursor') ?? '']));
    const client = createCountersignClient({ fetch: server.fetch });
    const seen: unknown[] = [];
    for await (const item of client.items('/v1/mutations', { query: { stateType: 'feature-flag', limit: 2 } })) seen.push(item);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(server.seen.map((request) => new URL(request.url).search)).toEqual(['?stateType=feature-flag&limit=2', '?stateType=feature-flag&limit=2&cursor=page-2', '?stateType=feature-flag&limit=2&cursor=page-3']);
  });

  it('throws the API error of a page that failed', async () => {
    const server = fakeFetch(() => json(400, { error: 'invalid_query', message: 'cursor is not valid', details: { parameter: 'cursor' } }));
    const client = createCountersignClient({ fetch: server.fetch });
    const walk = async () => {
      for await (const _page of client.pages('/v1/batches', { query: { cursor: 'bogus' } })) {
        // never reached
      }
    };
    await expect(walk()).rejects.toMatchObject({ name: 'CountersignApiError', status: 400, code: 'invalid_query' });
  });

  it('waits until the mutation reaches the status, reading again while it is not found or not there yet', async () => {
    const answers = [json(404, { error: 'mutation_not_found', message: 'no', details: {} }), json(200, mutation('pending')), json(200, mutation('applied'))];
    const server = fakeFetch(() => answers.shift() as Response);
    const client = createCountersignClient({ fetch: server.fetch });
    const applied = await client.waitFor(MUTATION_ID, 'applied', { intervalMs: 1 });
    expect(applied.status).toBe('applied');
    expect(server.seen).toHaveLength(3);
  });

  it('stops waiting as soon as the mutation settled in another status', async () => {
    const server = fakeFetch(() => json(200, mutation('rejected')));
    const client = createCountersignClient({ fetch: server.fetch });
    await expect(client.waitFor(MUTATION_ID, ['applied', 'pending'], { intervalMs: 1 })).rejects.toThrow(/is rejected; it will never be applied or pending/);
    const applied = fakeFetch(() => json(200, mutation('applied')));
    await expect(createCountersignClient({ fetch: applied.fetch }).waitFor(MUTATION_ID, 'compensated', { timeoutMs: 1, intervalMs: 1 })).rejects.toBeInstanceOf(WaitForError);
  });

  it('gives up after the timeout with the status it saw last', async () => {
    const server = fakeFetch(() => json(200, mutation('pending')));
    const client = createCountersignClient({ fetch: server.fetch });
    await expect(client.waitFor(MUTATION_ID, 'applied', { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(/is pending after 20 ms, not applied/);
  });

  it('unwraps the data of a success and throws the error of a failure', async () => {
    const server = fakeFetch((request) => (request.url.endsWith('/v1/contracts') ? json(200, { items: [] }) : json(401, { error: 'unauthorized', message: 'send Authorization: Bearer <token>', details: {} })));
    const client = createCountersignClient({ fetch: server.fetch });
    expect(unwrap(await client.GET('/v1/contracts'))).toEqual({ items: [] });
    const refused = await client.GET('/v1/approvals/pending');
    expect(() => unwrap(refused)).toThrow(CountersignApiError);
    expect(() => unwrap(refused)).toThrow('HTTP 401 unauthorized: send Authorization: Bearer <token>');
  });
});
