import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalJson, cloneJson, isJsonObject, jsonEqual, type JsonValue } from './json.js';

const jsonDocument: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);

/** Rebuilds every object of a document with its keys in another order chosen by `seed`. */
function withReorderedKeys(value: JsonValue, seed: number): JsonValue {
  if (Array.isArray(value)) return value.map((item) => withReorderedKeys(item, seed));
  if (!isJsonObject(value)) return value;
  const rank = (key: string): number => [...`${seed}:${key}`].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) % 1_000_003, 7);
  const keys = Object.keys(value).sort((left, right) => rank(left) - rank(right));
  return Object.fromEntries(keys.map((key) => [key, withReorderedKeys(value[key] as JsonValue, seed)]));
}

describe('canonicalJson', () => {
  it('sorts object keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('leaves out undefined properties and writes undefined as null', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('does not depend on the key order of the document', () => {
    fc.assert(
      fc.property(jsonDocument, fc.integer(), (document, seed) => {
        expect(canonicalJson(withReorderedKeys(document, seed))).toBe(canonicalJson(document));
      }),
    );
  });

  it('parses back to an equal document', () => {
    fc.assert(fc.property(jsonDocument, (document) => jsonEqual(JSON.parse(canonicalJson(document)), document)));
  });
});

describe('jsonEqual', () => {
  it('compares objects by content, not key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
  });

  it('tells apart arrays from objects and arrays of different length', () => {
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual([1], [1, 1])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });

  it('does not mistake an inherited property for an own key', () => {
    expect(jsonEqual({ toString: 1 }, { other: 1 })).toBe(false);
  });

  it('agrees with equality of the canonical JSON', () => {
    const pairs = fc.oneof(
      fc.tuple(jsonDocument, jsonDocument),
      fc.tuple(jsonDocument, fc.integer()).map(([document, seed]): [JsonValue, JsonValue] => [document, withReorderedKeys(document, seed)]),
    );
    fc.assert(
      fc.property(pairs, ([left, right]) => {
        expect(jsonEqual(left, right)).toBe(canonicalJson(left) === canonicalJson(right));
      }),
      { numRuns: 300 },
    );
  });
});

describe('cloneJson', () => {
  it('returns a deep copy that shares nothing with the original', () => {
    const original = { a: { list: [1] } };
    const copy = cloneJson(original);
    copy.a.list.push(2);
    expect(original).toEqual({ a: { list: [1] } });
    expect(cloneJson(null)).toBeNull();
    expect(cloneJson('text')).toBe('text');
  });
});
