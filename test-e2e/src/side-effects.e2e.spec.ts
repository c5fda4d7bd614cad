import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, waitFor } from '@countersign/event-store/testing';
import { TestApi } from './support/test-api.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const SECRET = 'e2e-webhook-secret-0123456789';

interface Received {
  deliveryId: string;
  attempt: number;
  signatureValid: boolean;
  body: Record<string, any>;
  answered: number;
}

/** A webhook receiver on a local port: answers each call with what `answer` says and remembers it. */
class Receiver {
  readonly calls: Received[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly answer: (deliveryId: string, callsSoFar: number) => number) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void readBody(request).then((raw) => {
        const deliveryId = String(request.headers['x-countersign-delivery']);
        const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
        const given = Buffer.from(String(request.headers['x-countersign-signature'] ?? ''));
        const status = this.answer(deliveryId, this.calls.filter((call) => call.deliveryId === deliveryId).length);
        this.calls.push({
          deliveryId,
          attempt: Number(request.headers['x-countersign-attempt']),
          signatureValid: given.length === expected.length && timingSafeEqual(given, expected),
          body: JSON.parse(raw) as Record<string, any>,
          answered: status,
        });
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server!.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  delivered(deliveryId: string): Received[] {
    return this.calls.filter((call) => call.deliveryId === deliveryId && call.answered < 300);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

describe('typed side effects: outbox, webhook delivery with retries, dead letters', () => {
  let api: TestApi;
  // Fails the first two calls of every delivery, then succeeds.
  const flaky = new Receiver((_deliveryId, callsSoFar) => (callsSoFar < 2 ? 503 : 204));
  // Fails until told otherwise.
  let downstreamUp = false;
  const broken = new Receiver(() => (downstreamUp ? 200 : 500));

  beforeAll(async () => {
    await flaky.start();
    await broken.start();
    api = await TestApi.start({
      COUNTERSIGN_CONTRACTS_DIR: fixtures,
      COUNTERSIGN_TIMER_POLL: '25ms',
      COUNTERSIGN_WEBHOOKS: JSON.stringify({ 'credit-limit.limit-set': `http://127.0.0.1:${flaky.port}/hooks/limits`, '*': `http://127.0.0.1:${broken.port}/hooks/any` }),
      COUNTERSIGN_WEBHOOK_SECRET: SECRET,
      COUNTERSIGN_WEBHOOK_BACKOFF: '50ms',
      COUNTERSIGN_WEBHOOK_MAX_ATTEMPTS: '3',
    });
  });
  afterAll(async () => {
    await api.close();
    await flaky.stop();
    await broken.stop();
  });

  async function sideEffectsOf(mutationId: string, position: number, done: (items: Record<string, any>[]) => boolean) {
    return waitFor(async () => (await api.request('GET', `/v1/side-effects?mutationId=${mutationId}&minPosition=${position}`)).body.items as Record<string, any>[], done);
  }

  it('records the side effect with its change, delivers it after two failures exactly once per delivery id, signed, and its compensation when reverted', async () => {
    await api.submit({ stateType: 'credit-limit', stateId: 'hooked', transition: 'open', payload: { customerId: 'hooked', currency: 'EUR', limit: 1_000 } });
    const changed = await api.submit({ stateType: 'credit-limit', stateId: 'hooked', transition: 'setLimit', payload: { amount: 4_000 } });
    expect(changed.status).toBe(201);
    // The outbox is the change's own event: MutationApplied carries the side effect.
    const record = await api.request('GET', `/v1/mutations/${changed.body.mutationId}?minPosition=${changed.body.position}`);
    const applied = record.body.timeline.find((entry: { type: string }) => entry.type === 'MutationApplied');
    expect(applied.data.sideEffects).toEqual([
      { deliveryId: expect.any(String), type: 'credit-limit.limit-set', data: { customerId: 'hooked', currency: 'EUR', previousLimit: 1_000, limit: 4_000 } },
    ]);
    const deliveryId = applied.data.sideEffects[0].deliveryId as string;

    const [delivered] = await sideEffectsOf(changed.body.mutationId, changed.body.position, (items) => items[0]?.status === 'delivered');
    expect(delivered).toMatchObject({ deliveryId, status: 'delivered', attempts: 3, lastStatus: 204, type: 'credit-limit.limit-set' });
    const calls = flaky.calls.filter((call) => call.deliveryId === deliveryId);
    expect(calls.map((call) => [call.attempt, call.answered])).toEqual([
      [1, 503],
      [2, 503],
      [3, 204],
    ]);
    expect(flaky.delivered(deliveryId)).toHaveLength(1);
    expect(calls.every((call) => call.signatureValid)).toBe(true);
    expect(new Set(calls.map((call) => JSON.stringify(call.body))).size).toBe(1);
    expect(calls[0]!.body).toEqual({ deliveryId, type: 'credit-limit.limit-set', data: { customerId: 'hooked', currency: 'EUR', previousLimit: 1_000, limit: 4_000 }, mutationId: changed.body.mutationId, stateType: 'credit-limit', stateId: 'hooked', compensates: null, emittedAt: expect.any(String) });

    const reverted = await api.request('POST', `/v1/mutations/${changed.body.mutationId}/revert`, { body: { reason: 'undo' } });
    const [undo] = await sideEffectsOf(reverted.body.mutationId, reverted.body.position, (items) => items[0]?.status === 'delivered');
    expect(undo).toMatchObject({ status: 'delivered', compensates: deliveryId, data: { previousLimit: 4_000, limit: 1_000 } });
    expect(flaky.delivered(undo!.deliveryId)).toHaveLength(1);
    // Delivered side effects are never sent again.
    await sleep(300);
    expect(flaky.delivered(deliveryId)).toHaveLength(1);
  });

  it('a receiver that always fails: the side effect ends in the dead-letter list; an admin retries it once the receiver is back', async () => {
    await api.submit({ stateType: 'vault', stateId: 'dl', transition: 'open', payload: {} });
    const locked = await api.submit({ stateType: 'vault', stateId: 'dl', transition: 'lock', payload: {} });
    const [dead] = await sideEffectsOf(locked.body.mutationId, locked.body.position, (items) => items[0]?.status === 'dead');
    expect(dead).toMatchObject({ type: 'vault.locked', status: 'dead', attempts: 3, lastStatus: 500, lastError: 'HTTP 500', data: { vault: 'dl' } });
    const letters = await api.request('GET', '/v1/side-effects/dead-letters');
    expect(letters.body.items.map((item: { deliveryId: string }) => item.deliveryId)).toContain(dead!.deliveryId);
    expect(broken.calls.filter((call) => call.deliveryId === dead!.deliveryId)).toHaveLength(3);

    expect((await api.request('POST', `/v1/side-effects/${dead!.deliveryId}/retry`, { as: 'alice' })).body.error).toBe('forbidden');
    downstreamUp = true;
    const retried = await api.request('POST', `/v1/side-effects/${dead!.deliveryId}/retry`, { as: 'erin' });
    expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
    const [delivered] = await sideEffectsOf(locked.body.mutationId, locked.body.position, (items) => items[0]?.status === 'delivered');
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(broken.delivered(dead!.deliveryId)).toHaveLength(1);
    expect((await api.request('POST', `/v1/side-effects/${dead!.deliveryId}/retry`, { as: 'erin' })).body).toMatchObject({ error: 'side_effect_not_dead', details: { status: 'delivered' } });
    expect((await api.request('POST', '/v1/side-effects/00000000-0000-4000-8000-000000000000/retry', { as: 'erin' })).status).toBe(404);
    expect((await api.request('GET', '/v1/side-effects?status=lost')).body.error).toBe('invalid_query');
  });

  it('lists the registered side-effect types with their schemas in GET /v1/contracts', async () => {
    const contracts = await api.request('GET', '/v1/contracts');
    const vault = contracts.body.items.find((item: { stateType: string }) => item.stateType === 'vault');
    expect(vault.sideEffectTypes.map((type: { type: string; compensated: boolean }) => [type.type, type.compensated])).toEqual([
      ['vault.locked', true],
      ['vault.unlocked', false],
    ]);
  });
});
