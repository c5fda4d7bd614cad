import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApi, type RequestOptions } from './support/test-api.js';

/** Every malformed request gets a 4xx with a stable code, never a 5xx, and writes nothing. */
describe('bad input', () => {
  let api: TestApi;
  let head = 0;

  beforeAll(async () => {
    api = await TestApi.start({ COUNTERSIGN_BODY_LIMIT_BYTES: '4096' });
    await api.submit({ stateType: 'feature-flag', stateId: 'bad-input', transition: 'create', payload: { owner: 'team' } });
    head = await api.headPosition();
  });
  afterAll(async () => {
    await api.close();
  });

  const valid = { stateType: 'feature-flag', stateId: 'bad-input', transition: 'enable', payload: {} };

  const cases: [string, string, string, RequestOptions, number, string][] = [
    ['malformed JSON', 'POST', '/v1/mutations', { rawBody: '{"stateType": "feature-flag",' }, 400, 'malformed_json'],
    ['an empty JSON body', 'POST', '/v1/mutations', { rawBody: '' }, 400, 'malformed_json'],
    ['a JSON array instead of an object', 'POST', '/v1/mutations', { body: [valid] }, 400, 'invalid_request'],
    ['a non-JSON content type', 'POST', '/v1/mutations', { rawBody: 'stateType=feature-flag', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['an oversized body', 'POST', '/v1/mutations', { body: { ...valid, reason: 'x'.repeat(10_000) } }, 413, 'payload_too_large'],
    ['a missing stateType', 'POST', '/v1/mutations', { body: { ...valid, stateType: undefined } }, 400, 'invalid_request'],
    ['a number where a string belongs', 'POST', '/v1/mutations', { body: { ...valid, stateId: 42 } }, 400, 'invalid_request'],
    ['a string expectedVersion', 'POST', '/v1/mutations', { body: { ...valid, expectedVersion: '1' } }, 400, 'invalid_request'],
    ['a negative expectedVersion', 'POST', '/v1/mutations', { body: { ...valid, expectedVersion: -1 } }, 400, 'invalid_request'],
    ['a payload that is not an object', 'POST', '/v1/mutations', { body: { ...valid, payload: 'on' } }, 400, 'invalid_request'],
    ['an unknown envelope field', 'POST', '/v1/mutations', { body: { ...valid, status: 'applied' } }, 400, 'invalid_request'],
    ['an unknown risk level', 'POST', '/v1/mutations', { body: { ...valid, riskLevel: 'extreme' } }, 400, 'invalid_request'],
    ['tags that are not strings', 'POST', '/v1/mutations', { body: { ...valid, tags: [1, 2] } }, 400, 'invalid_request'],
    ['a malformed notBefore', 'POST', '/v1/mutations', { body: { ...valid, notBefore: 'tomorrow' } }, 400, 'invalid_request'],
    ['dependsOn that is not a list of uuids', 'POST', '/v1/mutations', { body: { ...valid, dependsOn: ['yesterday'] } }, 400, 'invalid_request'],
    ['dependsOn naming a mutation twice', 'POST', '/v1/mutations', { body: { ...valid, dependsOn: ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001'] } }, 400, 'invalid_request'],
    ['dependsOn naming an unknown mutation', 'POST', '/v1/mutations', { body: { ...valid, dependsOn: ['00000000-0000-4000-8000-000000000001'] } }, 422, 'unknown_dependency'],
    ['a dependencyTimeout that is not a duration', 'POST', '/v1/mutations', { body: { ...valid, dependencyTimeout: 'soon' } }, 400, 'invalid_request'],
    ['an idempotency key in header and field that differ', 'POST', '/v1/mutations', { body: { ...valid, idempotencyKey: 'a' }, headers: { 'idempotency-key': 'b' } }, 400, 'invalid_request'],
    ['an empty idempotency key', 'POST', '/v1/mutations', { body: { ...valid, idempotencyKey: '' } }, 400, 'invalid_request'],
    ['an unknown contract', 'POST', '/v1/mutations', { body: { ...valid, stateType: 'warp-drive' } }, 422, 'unknown_contract'],
    ['an unknown transition', 'POST', '/v1/mutations', { body: { ...valid, transition: 'explode' } }, 422, 'unknown_transition'],
    ['a payload failing its schema', 'POST', '/v1/mutations', { body: { ...valid, transition: 'setRollout', payload: { percentage: 150 } } }, 422, 'invalid_payload'],
    ['a payload with a wrong type', 'POST', '/v1/mutations', { body: { ...valid, transition: 'setRollout', payload: { percentage: 'half' } } }, 422, 'invalid_payload'],
    ['a payload with an unknown field', 'POST', '/v1/mutations', { body: { ...valid, payload: { force: true } } }, 422, 'invalid_payload'],
    ['a change to a state that does not exist', 'POST', '/v1/mutations', { body: { ...valid, stateId: 'nobody-made-me' } }, 404, 'state_not_found'],
    ['creating a state that exists', 'POST', '/v1/mutations', { body: { ...valid, transition: 'create', payload: { owner: 'x' } } }, 409, 'state_already_exists'],
    ['no token', 'POST', '/v1/mutations', { as: null, body: valid }, 401, 'unauthorized'],
    ['an unknown token', 'POST', '/v1/mutations', { as: null, body: valid, headers: { authorization: 'Bearer not-a-real-token-at-all' } }, 401, 'unauthorized'],
    ['a non-bearer scheme', 'GET', '/v1/contracts', { as: null, headers: { authorization: 'Basic YWxpY2U6eA==' } }, 401, 'unauthorized'],
    ['an unknown list filter', 'GET', '/v1/mutations?colour=red', {}, 400, 'invalid_query'],
    ['a limit that is not a number', 'GET', '/v1/mutations?limit=ten', {}, 400, 'invalid_query'],
    ['a limit above the maximum', 'GET', '/v1/mutations?limit=100000', {}, 400, 'invalid_query'],
    ['an unknown status filter', 'GET', '/v1/mutations?status=done', {}, 400, 'invalid_query'],
    ['a malformed from', 'GET', '/v1/mutations?from=yesterday', {}, 400, 'invalid_query'],
    ['from after to', 'GET', '/v1/mutations?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', {}, 400, 'invalid_query'],
    ['a metadata filter with a bad key', 'GET', '/v1/mutations?metadata.a%24b=1', {}, 400, 'invalid_query'],
    ['a metadata filter given twice', 'GET', '/v1/mutations?metadata.team=a&metadata.team=b', {}, 400, 'invalid_query'],
    ['blastRadiusMin above blastRadiusMax', 'GET', '/v1/mutations?blastRadiusMin=5&blastRadiusMax=1', {}, 400, 'invalid_query'],
    ['a negative blastRadiusMin', 'GET', '/v1/mutations?blastRadiusMin=-1', {}, 400, 'invalid_query'],
    ['a fractional blastRadiusMax', 'GET', '/v1/mutations?blastRadiusMax=1.5', {}, 400, 'invalid_query'],
    ['an unknown timeField', 'GET', '/v1/mutations?timeField=finished', {}, 400, 'invalid_query'],
    ['a forged cursor', 'GET', '/v1/mutations?cursor=bm90LWEtY3Vyc29y', {}, 400, 'invalid_query'],
    ['a mutation id that is not a uuid', 'GET', '/v1/mutations/not-a-uuid', {}, 400, 'invalid_request'],
    ['an unknown mutation', 'GET', '/v1/mutations/00000000-0000-4000-8000-000000000000', {}, 404, 'mutation_not_found'],
    ['an unknown state', 'GET', '/v1/states/feature-flag/never-created', {}, 404, 'state_not_found'],
    ['a negative minPosition', 'GET', '/v1/states/feature-flag/bad-input?minPosition=-3', {}, 400, 'invalid_query'],
    ['a forged history cursor', 'GET', '/v1/states/feature-flag/bad-input/history?cursor=WyJ4Il0', {}, 400, 'invalid_query'],
    ['an unknown route', 'GET', '/v1/nothing-here', {}, 404, 'not_found'],
    ['an approval without a decision', 'POST', '/v1/mutations/00000000-0000-4000-8000-000000000000/approvals', { body: {} }, 400, 'invalid_request'],
    ['an approval with an unknown decision', 'POST', '/v1/mutations/00000000-0000-4000-8000-000000000000/approvals', { body: { decision: 'maybe' } }, 400, 'invalid_request'],
    ['an approval of a mutation id that is not a uuid', 'POST', '/v1/mutations/42/approvals', { body: { decision: 'approve' } }, 400, 'invalid_request'],
    ['an approval of an unknown mutation', 'POST', '/v1/mutations/00000000-0000-4000-8000-000000000000/approvals', { body: { decision: 'approve' } }, 404, 'mutation_not_found'],
    ['a check with an unknown outcome', 'POST', '/v1/mutations/00000000-0000-4000-8000-000000000000/checks/scan', { body: { outcome: 'ok' } }, 400, 'invalid_request'],
    ['a cancel with an unknown field', 'POST', '/v1/mutations/00000000-0000-4000-8000-000000000000/cancel', { body: { force: true } }, 400, 'invalid_request'],
    ['a cancel of an unknown mutation', 'POST', '/v1/mutations/00000000-0000-4000-8000-000000000000/cancel', {}, 404, 'mutation_not_found'],
    ['an unknown approval decision filter', 'GET', '/v1/approvals/decisions?decision=maybe', {}, 400, 'invalid_query'],
    ['a forged approval decisions cursor', 'GET', '/v1/approvals/decisions?cursor=bm9wZQ', {}, 400, 'invalid_query'],
    ['a pending-approvals limit of zero', 'GET', '/v1/approvals/pending?limit=0', {}, 400, 'invalid_query'],
    ['an unknown pending-approvals filter', 'GET', '/v1/approvals/pending?role=cfo', {}, 400, 'invalid_query'],
  ];

  it.each(cases)('answers %s with a stable 4xx code', async (_name, method, path, options, status, code) => {
    const response = await api.request(method, path, options);
    expect({ status: response.status, error: response.body?.error }).toEqual({ status, error: code });
    expect(typeof response.body.message).toBe('string');
    expect(response.body.details).toEqual(expect.any(Object));
  });

  it('names the offending field of an invalid envelope', async () => {
    const response = await api.submit({ ...valid, expectedVersion: 'one' });
    expect(response.body.details.violations).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'expectedVersion' })]));
  });

  it('lists payload schema violations by path', async () => {
    const response = await api.submit({ ...valid, transition: 'setRollout', payload: {} });
    expect(response.body.details.violations).toEqual([{ path: 'percentage', message: expect.stringContaining('percentage') }]);
  });

  it('wrote nothing for any of them', async () => {
    expect(await api.headPosition()).toBe(head);
    const state = await api.request('GET', '/v1/states/feature-flag/bad-input');
    expect(state.body.version).toBe(1);
  });
});
