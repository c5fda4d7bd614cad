import { describe, expect, it } from '@jest/globals';
import type { JsonValue } from './json.js';
import { applyOps, OpError, parsePath, type Op } from './ops.js';

function failureOf(document: JsonValue | null, ops: Op[]): OpError {
  try {
    applyOps(document, ops);
  } catch (error) {
    if (error instanceof OpError) return error;
    throw error;
  }
  throw new Error('expected applyOps to fail');
}

describe('parsePath', () => {
  it('splits a dot path into segments and reads the empty path as the root', () => {
    expect(parsePath('limits.daily.0')).toEqual(['limits', 'daily', '0']);
    expect(parsePath('')).toEqual([]);
  });
});

describe('applyOps', () => {
  describe('set', () => {
    it('replaces the whole document at the root path', () => {
      expect(applyOps({ old: true }, [{ op: 'set', path: '', value: { fresh: 1 } }])).toEqual({ fresh: 1 });
    });

    it('creates a document from nothing at the root path', () => {
      expect(applyOps(null, [{ op: 'set', path: '', value: [1, 2] }])).toEqual([1, 2]);
    });

    it('writes a deep path, creating the objects on the way', () => {
      expect(applyOps({}, [{ op: 'set', path: 'limits.daily.eur', value: 5 }])).toEqual({ limits: { daily: { eur: 5 } } });
    });

    it('treats a null on the way like a missing object', () => {
      expect(applyOps({ limits: null }, [{ op: 'set', path: 'limits.daily', value: 5 }])).toEqual({ limits: { daily: 5 } });
    });

    it('overwrites an array element addressed by its index', () => {
      const document = { rules: [{ id: 'a', segment: 'beta' }, { id: 'b', segment: 'eu' }] };
      expect(applyOps(document, [{ op: 'set', path: 'rules.1.segment', value: 'us' }])).toEqual({
        rules: [{ id: 'a', segment: 'beta' }, { id: 'b', segment: 'us' }],
      });
    });

    it('appends when the index is the array length', () => {
      expect(applyOps({ list: [1] }, [{ op: 'set', path: 'list.1', value: 2 }])).toEqual({ list: [1, 2] });
    });

    it('refuses an index beyond the array length', () => {
      const error = failureOf({ list: [1] }, [{ op: 'set', path: 'list.3', value: 2 }]);
      expect(error.code).toBe('effect_failed');
      expect(error.message).toContain('not a valid array index');
    });

    it('refuses a non-numeric segment inside an array', () => {
      expect(failureOf({ list: [{ a: 1 }] }, [{ op: 'set', path: 'list.first.a', value: 2 }]).message).toContain('no element at first');
    });

    it('refuses a missing array element on the way', () => {
      expect(failureOf({ list: [] }, [{ op: 'set', path: 'list.0.a', value: 2 }]).code).toBe('effect_failed');
    });

    it('refuses to walk through a primitive', () => {
      expect(failureOf({ limit: 5 }, [{ op: 'set', path: 'limit.daily', value: 2 }]).message).toContain('limit is not an object or array');
    });

    it('refuses a nested path when there is no document', () => {
      expect(failureOf(null, [{ op: 'set', path: 'a', value: 1 }]).message).toContain('the document is not an object');
    });

    it('keeps "__proto__" as an ordinary key of the document', () => {
      const result = applyOps({}, [{ op: 'set', path: '__proto__.polluted', value: true }]) as Record<string, unknown>;
      expect(Object.keys(result)).toEqual(['__proto__']);
      expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
      expect(result['polluted']).toBeUndefined();
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('unset', () => {
    it('removes a deep key', () => {
      expect(applyOps({ a: { b: 1, c: 2 } }, [{ op: 'unset', path: 'a.b' }])).toEqual({ a: { c: 2 } });
    });

    it('removes an array element and closes the gap', () => {
      expect(applyOps({ list: ['x', 'y', 'z'] }, [{ op: 'unset', path: 'list.1' }])).toEqual({ list: ['x', 'z'] });
    });

    it('leaves the document unchanged when the key is missing', () => {
      expect(applyOps({ a: 1 }, [{ op: 'unset', path: 'b' }])).toEqual({ a: 1 });
    });

    it('leaves the document unchanged when a parent on the way is missing', () => {
      expect(applyOps({ a: 1 }, [{ op: 'unset', path: 'b.c.d' }])).toEqual({ a: 1 });
    });

    it('refuses an array index that is out of range', () => {
      expect(failureOf({ list: [1] }, [{ op: 'unset', path: 'list.1' }]).code).toBe('effect_failed');
    });

    it('refuses the root path', () => {
      expect(failureOf({ a: 1 }, [{ op: 'unset', path: '' }]).message).toContain('only set may target the whole document');
    });
  });

  describe('increment', () => {
    it('adds to a deep number', () => {
      expect(applyOps({ limits: { daily: 10 } }, [{ op: 'increment', path: 'limits.daily', by: -3 }])).toEqual({ limits: { daily: 7 } });
    });

    it('starts a missing number at 0', () => {
      expect(applyOps({}, [{ op: 'increment', path: 'counters.hits', by: 2 }])).toEqual({ counters: { hits: 2 } });
    });

    it('adds to a number inside an array', () => {
      expect(applyOps({ scores: [1, 2] }, [{ op: 'increment', path: 'scores.1', by: 10 }])).toEqual({ scores: [1, 12] });
    });

    it('refuses a value that is not a number', () => {
      const error = failureOf({ name: 'x' }, [{ op: 'increment', path: 'name', by: 1 }]);
      expect(error.code).toBe('effect_failed');
      expect(error.message).toBe('increment name: the value is not a number');
    });

    it('refuses an amount that is not finite', () => {
      expect(failureOf({ n: 1 }, [{ op: 'increment', path: 'n', by: Number.POSITIVE_INFINITY }]).message).toContain('finite');
    });
  });

  describe('push', () => {
    it('appends to a deep array', () => {
      expect(applyOps({ a: { list: [1] } }, [{ op: 'push', path: 'a.list', value: { id: 2 } }])).toEqual({ a: { list: [1, { id: 2 }] } });
    });

    it('creates a missing array', () => {
      expect(applyOps({}, [{ op: 'push', path: 'a.list', value: 'x' }])).toEqual({ a: { list: ['x'] } });
    });

    it('refuses a value that is not an array', () => {
      expect(failureOf({ a: { list: {} } }, [{ op: 'push', path: 'a.list', value: 1 }]).message).toContain('the value is not an array');
    });
  });

  describe('remove', () => {
    it('removes every element structurally equal to the value', () => {
      const document = { rules: [{ id: 'a' }, { id: 'b' }, { id: 'a' }] };
      expect(applyOps(document, [{ op: 'remove', path: 'rules', value: { id: 'a' } }])).toEqual({ rules: [{ id: 'b' }] });
    });

    it('leaves the array unchanged when no element matches', () => {
      expect(applyOps({ list: [1, 2] }, [{ op: 'remove', path: 'list', value: 3 }])).toEqual({ list: [1, 2] });
    });

    it('refuses a missing array', () => {
      expect(failureOf({}, [{ op: 'remove', path: 'list', value: 1 }]).code).toBe('effect_failed');
    });
  });

  describe('insert', () => {
    it('inserts at an index inside a nested array', () => {
      expect(applyOps({ a: [[1, 3]] }, [{ op: 'insert', path: 'a.0', index: 1, value: 2 }])).toEqual({ a: [[1, 2, 3]] });
    });

    it('inserts at the end when the index is the length', () => {
      expect(applyOps({ list: [1] }, [{ op: 'insert', path: 'list', index: 1, value: 2 }])).toEqual({ list: [1, 2] });
    });

    it('creates a missing array when inserting at 0', () => {
      expect(applyOps({}, [{ op: 'insert', path: 'list', index: 0, value: 'x' }])).toEqual({ list: ['x'] });
    });

    it.each([-1, 2, 0.5])('refuses index %p on an array of length 1', (index) => {
      expect(failureOf({ list: [1] }, [{ op: 'insert', path: 'list', index, value: 2 }]).message).toContain(`index ${index} is out of range`);
    });

    it('refuses a value that is not an array', () => {
      expect(failureOf({ list: 'x' }, [{ op: 'insert', path: 'list', index: 0, value: 2 }]).code).toBe('effect_failed');
    });
  });

  describe('removeAt', () => {
    it('removes the element at an index of a deep array', () => {
      expect(applyOps({ a: { list: ['x', 'y'] } }, [{ op: 'removeAt', path: 'a.list', index: 0 }])).toEqual({ a: { list: ['y'] } });
    });

    it.each([-1, 2, 1.5])('refuses index %p on an array of length 2', (index) => {
      expect(failureOf({ list: [1, 2] }, [{ op: 'removeAt', path: 'list', index }]).code).toBe('effect_failed');
    });

    it('refuses a missing array', () => {
      expect(failureOf({}, [{ op: 'removeAt', path: 'list', index: 0 }]).message).toContain('the value is not an array');
    });
  });

  it('applies ops in order, each seeing the result of the previous one', () => {
    const ops: Op[] = [
      { op: 'set', path: '', value: { rules: [] } },
      { op: 'push', path: 'rules', value: 'b' },
      { op: 'insert', path: 'rules', index: 0, value: 'a' },
      { op: 'increment', path: 'count', by: 2 },
      { op: 'removeAt', path: 'rules', index: 1 },
    ];
    expect(applyOps(null, ops)).toEqual({ rules: ['a'], count: 2 });
  });

  it('returns the document unchanged for no ops, including no document', () => {
    expect(applyOps({ a: 1 }, [])).toEqual({ a: 1 });
    expect(applyOps(null, [])).toBeNull();
  });

  it('never modifies its input, neither on success nor on failure', () => {
    const document = { a: { list: [1, 2], n: 1 }, rules: [{ id: 'x' }] };
    const snapshot = structuredClone(document);
    const result = applyOps(document, [
      { op: 'push', path: 'a.list', value: 3 },
      { op: 'increment', path: 'a.n', by: 1 },
      { op: 'set', path: 'rules.0.id', value: 'y' },
      { op: 'unset', path: 'a.list.0' },
    ]);
    expect(document).toEqual(snapshot);
    expect(result).toEqual({ a: { list: [2, 3], n: 2 }, rules: [{ id: 'y' }] });
    expect(() => applyOps(document, [{ op: 'set', path: 'a.n', value: 5 }, { op: 'push', path: 'a.n', value: 1 }])).toThrow(OpError);
    expect(document).toEqual(snapshot);
  });

  it('does not share values with the ops it applied', () => {
    const value = { nested: [1] };
    const result = applyOps({}, [{ op: 'set', path: 'a', value }]) as { a: { nested: number[] } };
    result.a.nested.push(2);
    expect(value).toEqual({ nested: [1] });
  });

  it('names the op and its path in the error', () => {
    const error = failureOf({ a: 1 }, [{ op: 'push', path: 'a', value: 1 }]);
    expect(error.op).toEqual({ op: 'push', path: 'a', value: 1 });
    expect(error.message).toBe('push a: the value is not an array');
    expect(failureOf(1, [{ op: 'unset', path: '' }]).message).toBe('unset (root): only set may target the whole document');
  });
});
