import { describe, expect, it } from '@jest/globals';
import type { FuzzCase } from './fuzz-case.js';
import { deep, doc, describeJson, literal, object, renderJson } from './json-document.js';
import { judge, nullRuleViolation, type Answer } from './oracle.js';

const refused: FuzzCase = { route: 'POST /v1/mutations', fault: 'test', expect: 'refused', method: 'POST', path: '/v1/mutations', auth: { kind: 'principal', principal: 0 }, headers: {} };
const json = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', text: JSON.stringify(body) });
const kinds = (fuzzCase: FuzzCase, answer: Answer) => judge(fuzzCase, answer).map((verdict) => verdict.kind);
const error = (code: string, details: unknown = {}) => ({ error: code, message: `${code} happened`, details });

describe('the fuzz oracle', () => {
  it('passes a refusal shaped { error, message, details }', () => {
    expect(kinds(refused, json(400, error('invalid_request')))).toEqual([]);
  });

  it('flags a 5xx, an answer that broke off, and a 2xx for a request the contract refuses', () => {
    expect(kinds(refused, json(500, error('internal_error')))).toEqual(['server_error']);
    expect(kinds(refused, { status: 200, contentType: 'text/csv', text: 'mutationId', transportError: 'the answer broke off midway' })).toEqual(['no_answer']);
    expect(kinds(refused, json(201, { status: 'applied' }))).toEqual(['accepted']);
    expect(kinds({ ...refused, expect: 'answered' }, json(200, { items: [] }))).toEqual([]);
  });

  it('requires every 4xx to be JSON with a string error, a string message and an object details', () => {
    expect(kinds(refused, { status: 431, contentType: 'application/json', text: '{"error":"Request Header Fields Too Large","message":"x","statusCode":431}' })).toEqual(['error_shape']);
    expect(kinds(refused, { status: 404, contentType: 'text/plain', text: 'Not Found' })).toEqual(['error_shape']);
    expect(kinds(refused, json(400, { error: 'invalid_request', message: 'x', details: [] }))).toEqual(['error_shape']);
  });

  it('holds a request to the one status the contract names for it', () => {
    expect(kinds({ ...refused, statuses: [415] }, json(400, error('invalid_request')))).toEqual(['unexpected_status']);
    expect(kinds({ ...refused, statuses: [415] }, json(415, error('unsupported_media_type')))).toEqual([]);
  });

  it('flags malformed_json for a body that is valid JSON, not for one that is broken', () => {
    expect(kinds({ ...refused, body: { kind: 'json', document: doc({ a: 1 }) } }, json(400, error('malformed_json')))).toEqual(['valid_json_called_malformed']);
    expect(kinds({ ...refused, body: { kind: 'text', text: '{"a":' } }, json(400, error('malformed_json')))).toEqual([]);
  });

  it('wants a 400 to name the field or parameter at fault', () => {
    const named = { ...refused, names: ['reason'] };
    expect(kinds(named, json(400, error('invalid_request', { violations: [{ path: 'reason', message: 'too long' }] })))).toEqual([]);
    expect(kinds(named, json(400, error('invalid_request')))).toEqual(['field_not_named']);
    expect(kinds(named, json(404, error('mutation_not_found')))).toEqual([]);
  });

  it('takes one rule for null in optional fields, whichever it is, and reports a mix', () => {
    expect(nullRuleViolation([{ field: 'tags', status: 200 }, { field: 'notBefore', status: 200 }])).toBeUndefined();
    expect(nullRuleViolation([{ field: 'tags', status: 400, error: 'invalid_request' }, { field: 'notBefore', status: 400, error: 'invalid_request' }])).toBeUndefined();
    expect(nullRuleViolation([{ field: 'expectedVersion', status: 409, error: 'version_conflict' }, { field: 'notBefore', status: 422, error: 'invalid_payload' }, { field: 'tags', status: 200 }])).toBe(
      '409 version_conflict: expectedVersion; 422 invalid_payload: notBefore; 200: tags',
    );
  });
});

describe('fuzz JSON documents', () => {
  it('keep what JSON.stringify cannot write: duplicate keys, __proto__ keys, number literals beyond a double', () => {
    const document = object([['a', doc(1)], ['a', literal('9223372036854775808')], ['__proto__', doc({ x: 1 })]]);
    expect(renderJson(document)).toBe('{"a":1,"a":9223372036854775808,"__proto__":{"x":1}}');
  });

  it('expand deep values only when sent, and describe them in a few characters', () => {
    const document = object([['metadata', deep(3_000, 'object')]]);
    expect(renderJson(document)).toHaveLength('{"metadata":}'.length + 3_000 * '{"a":}'.length + 1);
    expect(JSON.parse(renderJson(document))).toHaveProperty('metadata.a.a.a');
    expect(describeJson(document)).toBe('{"metadata":{"a":{"a":…3000 levels…1}}}');
  });
});
