import { createCountersignClient, CountersignApiError, recorded, unwrap, WaitForError, type CountersignClient } from '@countersign/client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkedFetch } from './support/openapi-check.js';
import { TEST_PRINCIPALS } from './support/principals.js';
import { TestApi } from './support/test-api.js';

describe('the typed client against a running system', () => {
  let api: TestApi;
  let alice: CountersignClient;
  const requested: string[] = [];

  beforeAll(async () => {
    api = await TestApi.start();
    // Every answer is checked against the OpenAPI document, as TestApi.request does.
    const fetch = (request: Request) => {
      requested.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
      return checkedFetch(request);
    };
    alice = createCountersignClient({ baseUrl: api.baseUrl, token: TEST_PRINCIPALS.alice.token, fetch });
  });
  afterAll(async () => {
    await api.close();
  });

  it('submits, reads its own write, and follows a pending mutation to applied with waitFor', async () => {
    const created = recorded(unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-tour', transition: 'create', payload: { owner: 'team-payments' }, reason: 'new checkout' } })));
    expect(created).toMatchObject({ status: 'applied', stateVersion: 1 });
    expect(alice.position).toBe(created.position);

    requested.length = 0;
    const state = unwrap(await alice.GET('/v1/states/{type}/{id}', { params: { path: { type: 'feature-flag', id: 'client-tour' } } }));
    expect(state).toMatchObject({ version: 1, state: { owner: 'team-payments', enabled: false } });
    expect(requested).toEqual([`GET /v1/states/feature-flag/client-tour?minPosition=${created.position}`]);

    unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-tour', transition: 'enable', payload: {}, expectedVersion: 1 } }));
    const pending = await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-tour', transition: 'setRollout', payload: { percentage: 80 }, tags: ['prod'] } });
    expect(pending.response.status).toBe(202);
    const { mutationId } = recorded(unwrap(pending));

    const bob = alice.withToken(TEST_PRINCIPALS.bob.token);
    const queue: string[] = [];
    for await (const item of bob.items('/v1/approvals/pending')) queue.push(item.mutationId);
    expect(queue).toContain(mutationId);

    const approved = unwrap(await bob.POST('/v1/mutations/{id}/approvals', { params: { path: { id: mutationId } }, body: { decision: 'approve', comment: 'go' } }));
    expect(approved).toMatchObject({ status: 'applied', stateVersion: 3 });
    const applied = await alice.waitFor(mutationId, 'applied');
    expect(applied).toMatchObject({ status: 'applied', stateVersion: 3, approvals: [{ approverId: 'bob', role: 'release-manager' }] });
    expect(applied.timeline.map((entry) => entry.type)).toContain('ApprovalGranted');
  });

  it('answers refusals as typed errors with their stable codes', async () => {
    unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-refusals', transition: 'create', payload: { owner: 'team' } } }));
    const denied = await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-refusals', transition: 'setRollout', payload: { percentage: 30 } } });
    expect(denied.response.status).toBe(422);
    expect(denied.error).toMatchObject({ error: 'guard_denied', status: 'denied', suggestions: [{ transition: 'enable' }] });
    // A recorded denial is a write: the client reads past it.
    expect(alice.position).toBe(denied.error?.position);

    const stale = await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-refusals', transition: 'enable', payload: {}, expectedVersion: 0 } });
    expect(stale.error).toMatchObject({ error: 'version_conflict', details: { expectedVersion: 0, currentVersion: 1 } });
    expect(() => unwrap(stale)).toThrow(CountersignApiError);
    expect(() => unwrap(stale)).toThrow(/HTTP 409 version_conflict/);
  });

  it('iterates a filtered list across pages by its cursors, with a metadata filter', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const opened = recorded(
        unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'credit-limit', stateId: `client-page-${index}`, transition: 'open', payload: { customerId: `c${index}`, currency: 'EUR' }, metadata: { team: 'client-pages' } } })),
      );
      ids.push(opened.mutationId);
    }
    unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'credit-limit', stateId: 'client-page-other', transition: 'open', payload: { customerId: 'x', currency: 'EUR' }, metadata: { team: 'other' } } }));

    requested.length = 0;
    const pages: string[][] = [];
    for await (const page of alice.pages('/v1/mutations', { query: { metadata: { team: 'client-pages' }, limit: 2 } })) pages.push(page.items.map((item) => item.mutationId));
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...ids].reverse());
    expect(requested[0]).toMatch(/metadata%5Bteam%5D=client-pages/);

    const all: string[] = [];
    for await (const item of alice.items('/v1/mutations', { query: { stateType: 'credit-limit', limit: 4 } })) if (item.stateId.startsWith('client-page-')) all.push(item.stateId);
    expect(all).toHaveLength(6);
  });

  it('waits for a dependent mutation until its dependency is approved, then reverts the dependency', async () => {
    unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'credit-limit', stateId: 'client-acme', transition: 'open', payload: { customerId: 'acme', currency: 'EUR', limit: 5000 } } }));
    unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-launch', transition: 'create', payload: { owner: 'team' } } }));
    const raise = recorded(unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'credit-limit', stateId: 'client-acme', transition: 'raiseLimit', payload: { by: 50000 } } })));
    expect(raise.status).toBe('pending');
    const launch = recorded(unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'feature-flag', stateId: 'client-launch', transition: 'enable', payload: {}, dependsOn: [raise.mutationId] } })));
    expect(launch).toMatchObject({ status: 'pending', requirements: [{ kind: 'dependency' }] });

    const carol = alice.withToken(TEST_PRINCIPALS.carol.token);
    unwrap(await carol.POST('/v1/mutations/{id}/approvals', { params: { path: { id: raise.mutationId } }, body: { decision: 'approve' } }));
    const launched = await alice.waitFor(launch.mutationId, 'applied');
    expect(launched.timeline.map((entry) => entry.type)).toContain('DependencyResolved');

    const reverted = await alice.POST('/v1/mutations/{id}/revert', { params: { path: { id: raise.mutationId } }, body: { reason: 'raised the wrong customer' } });
    expect(reverted.response.status).toBe(201);
    const compensation = recorded(unwrap(reverted));
    expect(compensation).toMatchObject({ status: 'applied', compensates: raise.mutationId });
    const undone = await alice.waitFor(raise.mutationId, 'compensated');
    expect(undone.compensatedBy).toBe('mutationId' in compensation ? compensation.mutationId : undefined);
    const state = unwrap(await alice.GET('/v1/states/{type}/{id}', { params: { path: { type: 'credit-limit', id: 'client-acme' } } }));
    expect(state.state).toMatchObject({ limit: 5000 });
  });

  it('stops waiting with WaitForError when the mutation ends otherwise', async () => {
    unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'credit-limit', stateId: 'client-rejected', transition: 'open', payload: { customerId: 'r', currency: 'EUR' } } }));
    const raise = recorded(unwrap(await alice.POST('/v1/mutations', { body: { stateType: 'credit-limit', stateId: 'client-rejected', transition: 'raiseLimit', payload: { by: 50000 } } })));
    const carol = alice.withToken(TEST_PRINCIPALS.carol.token);
    unwrap(await carol.POST('/v1/mutations/{id}/approvals', { params: { path: { id: raise.mutationId } }, body: { decision: 'reject', comment: 'no' } }));
    await expect(alice.waitFor(raise.mutationId, 'applied')).rejects.toThrow(WaitForError);
    await expect(alice.waitFor(raise.mutationId, 'applied')).rejects.toThrow(/is rejected; it will never be applied/);
  });
});
