import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { changedPaths, diffDocuments, type DiffEntry } from './diff.js';
import type { JsonValue } from './json.js';
import { applyOps, type Op } from './ops.js';

/**
 * Keys a dot path can address: non-empty and without dots (an empty key or a key containing a
 * dot cannot be told apart from path structure, so the diff → ops round trip cannot hold for
 * them). The pool is small so that two generated documents share keys, and it includes
 * numeric-looking keys and names that exist on Object.prototype.
 */
const documentKey = fc.constantFrom('a', 'b', 'c', '0', '12', 'with space', 'constructor', 'toString', '__proto__');

const jsonDocument: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue; array: JsonValue[]; object: Record<string, JsonValue> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -3, max: 3 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 3 }),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(documentKey, tie('value'), { maxKeys: 5, noNullPrototype: true }),
})).value.map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);

/**
 * Turns a diff into ops that replay it: writes first, in diff order (array growth is listed by
 * ascending index, so each `set` lands at the current end), then removals from the last to the
 * first, because removing an array element shifts every later element down.
 */
function opsFromDiff(diff: readonly DiffEntry[]): Op[] {
  const writes: Op[] = diff.filter((entry) => entry.kind !== 'removed').map((entry) => ({ op: 'set', path: entry.path, value: entry.after as JsonValue }));
  const removals: Op[] = diff
    .filter((entry) => entry.kind === 'removed')
    .reverse()
    .map((entry) => ({ op: 'unset', path: entry.path }));
  return [...writes, ...removals];
}

describe('diffDocuments', () => {
  it('reports a nested key that appeared as added', () => {
    expect(diffDocuments({ limits: {} }, { limits: { daily: 5 } })).toEqual([{ path: 'limits.daily', kind: 'added', after: 5 }]);
  });

  it('reports a nested key that disappeared as removed', () => {
    expect(diffDocuments({ limits: { daily: 5, weekly: 9 } }, { limits: { weekly: 9 } })).toEqual([{ path: 'limits.daily', kind: 'removed', before: 5 }]);
  });

  it('reports a changed leaf with its before and after values', () => {
    expect(diffDocuments({ a: { b: { c: 1 } } }, { a: { b: { c: 2 } } })).toEqual([{ path: 'a.b.c', kind: 'changed', before: 1, after: 2 }]);
  });

  it('compares arrays element by element and reports growth and shrinkage by index', () => {
    expect(diffDocuments({ list: [1, 2] }, { list: [1, 3, 4] })).toEqual([
      { path: 'list.1', kind: 'changed', before: 2, after: 3 },
      { path: 'list.2', kind: 'added', after: 4 },
    ]);
    expect(diffDocuments({ list: [1, 2, 3] }, { list: [1] })).toEqual([
      { path: 'list.1', kind: 'removed', before: 2 },
      { path: 'list.2', kind: 'removed', before: 3 },
    ]);
  });

  it('walks into objects inside arrays', () => {
    const before = { rules: [{ id: 'a', segment: 'beta' }] };
    const after = { rules: [{ id: 'a', segment: 'eu' }] };
    expect(diffDocuments(before, after)).toEqual([{ path: 'rules.0.segment', kind: 'changed', before: 'beta', after: 'eu' }]);
  });

  it('reports a change of type as one change of the whole value', () => {
    expect(diffDocuments({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: 'a', kind: 'changed', before: [1], after: { 0: 1 } }]);
    expect(diffDocuments({ a: null }, { a: { b: 1 } })).toEqual([{ path: 'a', kind: 'changed', before: null, after: { b: 1 } }]);
  });

  it('reports a created document as one change of the root', () => {
    expect(diffDocuments(null, { enabled: false })).toEqual([{ path: '', kind: 'changed', before: null, after: { enabled: false } }]);
  });

  it('finds no difference between equal documents with different key order', () => {
    expect(diffDocuments({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1 })).toEqual([]);
  });

  it('lists entries in sorted key order whatever the key order of the inputs', () => {
    const diff = diffDocuments({ z: 1, a: 1, m: 1 }, { m: 2, z: 2, a: 2 });
    expect(diff.map((entry) => entry.path)).toEqual(['a', 'm', 'z']);
  });

  it('treats keys that exist on Object.prototype as ordinary keys', () => {
    expect(diffDocuments({}, { constructor: 1 })).toEqual([{ path: 'constructor', kind: 'added', after: 1 }]);
    expect(diffDocuments({ toString: 'x' }, {})).toEqual([{ path: 'toString', kind: 'removed', before: 'x' }]);
    const withProtoKey = JSON.parse('{"__proto__": {"a": 1}}') as JsonValue;
    expect(diffDocuments({}, withProtoKey)).toEqual([{ path: '__proto__', kind: 'added', after: { a: 1 } }]);
  });

  describe('properties', () => {
    it('finds no difference between a document and itself', () => {
      fc.assert(fc.property(jsonDocument, (document) => diffDocuments(document, structuredClone(document)).length === 0));
    });

    it('is deterministic', () => {
      fc.assert(
        fc.property(jsonDocument, jsonDocument, (before, after) => {
          expect(diffDocuments(before, after)).toEqual(diffDocuments(structuredClone(before), structuredClone(after)));
        }),
      );
    });

    it('turns the first document into the second when its entries are replayed as set and unset ops', () => {
      fc.assert(
        fc.property(jsonDocument, jsonDocument, (before, after) => {
          expect(applyOps(before, opsFromDiff(diffDocuments(before, after)))).toEqual(after);
        }),
        { numRuns: 500 },
      );
    });

    it('replays a deep set or unset made to a document', () => {
      // Independent random documents rarely share structure; single edits of one document reach deep paths.
      const documentAndEdit = jsonDocument.chain((before) =>
        fc.record({ before: fc.constant(before), path: fc.array(documentKey, { minLength: 1, maxLength: 3 }), value: jsonDocument, unset: fc.boolean() }),
      );
      fc.assert(
        fc.property(documentAndEdit, ({ before, path, value, unset }) => {
          const edit: Op = unset ? { op: 'unset', path: path.join('.') } : { op: 'set', path: path.join('.'), value };
          let after: JsonValue;
          try {
            after = applyOps(before, [edit]);
          } catch {
            return; // the edit did not fit the document (an array or primitive on the way)
          }
          expect(applyOps(before, opsFromDiff(diffDocuments(before, after)))).toEqual(after);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('changedPaths', () => {
  it('deduplicates and sorts the paths of a diff', () => {
    const diff: DiffEntry[] = [
      { path: 'b', kind: 'added', after: 1 },
      { path: 'a.c', kind: 'removed', before: 1 },
      { path: 'b', kind: 'changed', before: 1, after: 2 },
    ];
    expect(changedPaths(diff)).toEqual(['a.c', 'b']);
  });
});
