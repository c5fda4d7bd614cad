import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { diffDocuments } from '../json/diff.js';
import type { JsonObject, JsonValue } from '../json/json.js';
import { applyOps } from '../json/ops.js';
import { inverseOf, pathsOverlap, readPath, restoreOps, unmetExpectations } from './inverse.js';

/** JSON documents with plain keys (dot paths cannot spell keys containing dots). */
const { document } = fc.letrec<{ value: JsonValue; document: JsonObject; array: JsonValue[] }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constantFrom('a', 'b', null)),
    tie('document'),
    tie('array'),
  ),
  document: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('value'), { maxKeys: 4 }) as fc.Arbitrary<JsonObject>,
  array: fc.array(tie('value'), { maxLength: 4 }),
}));

function revert(before: JsonObject, after: JsonObject): JsonValue {
  return applyOps(after, restoreOps(inverseOf(diffDocuments(before, after)).restore));
}

describe('inverse of a change', () => {
  it('property: writing the before-image of the changed paths back restores the document exactly', () => {
    fc.assert(fc.property(document, document, (before, after) => {
      expect(revert(before, after)).toEqual(before);
    }), { numRuns: 500 });
  });

  it('property: the changed document meets the expectations of its inverse, and reverting the revert restores the change', () => {
    fc.assert(fc.property(document, document, (before, after) => {
      const inverse = inverseOf(diffDocuments(before, after));
      expect(unmetExpectations(after, inverse.expect)).toEqual([]);
      const reverted = revert(before, after) as JsonObject;
      expect(revert(after, reverted)).toEqual(after);
    }), { numRuns: 500 });
  });

  it('shrinks an array from its end and grows it back in index order', () => {
    const before = { items: [1, 2, 3, 4] };
    const after = { items: [1] };
    const inverse = inverseOf(diffDocuments(before, after));
    expect(restoreOps(inverse.restore)).toEqual([
      { op: 'set', path: 'items.1', value: 2 },
      { op: 'set', path: 'items.2', value: 3 },
      { op: 'set', path: 'items.3', value: 4 },
    ]);
    expect(restoreOps(inverseOf(diffDocuments(after, before)).restore)).toEqual([
      { op: 'unset', path: 'items.3' },
      { op: 'unset', path: 'items.2' },
      { op: 'unset', path: 'items.1' },
    ]);
  });

  it('names the paths that no longer hold the value the inverse undoes', () => {
    const inverse = inverseOf(diffDocuments({ limit: 5, owner: 'a' }, { limit: 9, owner: 'a', note: 'x' }));
    expect(unmetExpectations({ limit: 9, owner: 'a', note: 'x' }, inverse.expect)).toEqual([]);
    expect(unmetExpectations({ limit: 10, owner: 'a' }, inverse.expect).map((entry) => entry.path)).toEqual(['limit', 'note']);
  });
});

describe('paths', () => {
  it('reads values at dot paths, through arrays, and nothing past a missing or primitive segment', () => {
    const doc = { a: { b: [10, { c: null }] } };
    expect(readPath(doc, 'a.b.0')).toBe(10);
    expect(readPath(doc, 'a.b.1.c')).toBeNull();
    expect(readPath(doc, 'a.b.2')).toBeUndefined();
    expect(readPath(doc, 'a.b.0.x')).toBeUndefined();
    expect(readPath(doc, 'constructor')).toBeUndefined();
    expect(readPath(doc, '')).toEqual(doc);
  });

  it('overlap when equal or one lies below the other, not when they only share a prefix of characters', () => {
    expect(pathsOverlap('limits', 'limits.cpu')).toBe(true);
    expect(pathsOverlap('limits.cpu', 'limits.cpu')).toBe(true);
    expect(pathsOverlap('limits.cpu', 'limits.cpux')).toBe(false);
    expect(pathsOverlap('limits.cpu', 'limits.mem')).toBe(false);
    expect(pathsOverlap('', 'anything')).toBe(true);
  });
});
