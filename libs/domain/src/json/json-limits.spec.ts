import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { describeUnstorableText, findJsonViolation, findVanishingNumber, jsonPathOf } from './json-limits.js';
import { classificationViolations } from '../contract/classification.js';
import { ENVELOPE_LIMITS, isTimestampInRange } from '../mutation/envelope-limits.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { a: value } : [value];
  return value;
};

describe('findJsonViolation', () => {
  it('accepts every JSON value of storable text within the depth limit', () => {
    // Whole graphemes are never lone surrogates; NUL and the reserved keys are left out by hand.
    const texts = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, item]) => [...(Array.isArray(value) ? [] : [key]), ...texts(item)]) : [];
    const storable = fc.jsonValue({ maxDepth: 8, stringUnit: 'grapheme' }).filter((value) => texts(value).every((text) => !text.includes('\u0000') && !['__proto__', 'constructor', 'prototype'].includes(text)));
    fc.assert(fc.property(storable, (value) => expect(findJsonViolation(value, 64)).toBeUndefined()));
  });

  it('finds a NUL wherever it is and names its path', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('a', 'b c', 'd.e'), fc.nat({ max: 3 })), { maxLength: 6 }), (path) => {
        let value: unknown = 'x\u0000y';
        let expected = '';
        for (const step of [...path].reverse()) value = typeof step === 'number' ? Object.assign(new Array(step + 1).fill(0), { [step]: value }) : { [step]: value };
        for (const step of path) expected = jsonPathOf(expected, step);
        expect(findJsonViolation(value, 64)).toEqual({ path: expected, message: expect.stringContaining('NUL'), reason: 'unstorable_text' });
      }),
    );
  });

  it('refuses nesting one level beyond the limit, and not at it', () => {
    expect(findJsonViolation(nested(64), 64)).toBeUndefined();
    expect(findJsonViolation(nested(65), 64)).toMatchObject({ reason: 'too_deep' });
  });

  it('inspects a value nested far deeper than the call stack allows', () => {
    expect(findJsonViolation(nested(200_000), 64)).toMatchObject({ reason: 'too_deep' });
  });

  it('refuses lone surrogates of either half but accepts surrogate pairs', () => {
    expect(describeUnstorableText('\ud83d')).toContain('surrogate');
    expect(describeUnstorableText('a\udc00b')).toContain('surrogate');
    expect(describeUnstorableText('\ud83d\ude00 ok')).toBeUndefined();
    expect(findJsonViolation({ '\ud800': 1 }, 64)).toMatchObject({ reason: 'unstorable_text', path: '["\\ud800"]' });
  });

  it('refuses reserved keys, which JSON.parse keeps as plain own keys', () => {
    expect(findJsonViolation(JSON.parse('{"a":{"__proto__":{"admin":true}}}'), 64)).toMatchObject({ reason: 'reserved_key', path: 'a.__proto__' });
    expect(findJsonViolation({ list: [{ constructor: 1 }] }, 64)).toMatchObject({ reason: 'reserved_key', path: 'list[0].constructor' });
  });

  it('refuses numbers that are not finite', () => {
    expect(findJsonViolation(JSON.parse('{"n":1e400}'), 64)).toMatchObject({ reason: 'not_finite', path: 'n' });
  });

  it('finds number literals that are not zero but read as zero, by their path', () => {
    expect(findVanishingNumber('{"a":{"list":[1,1e-400]}}')).toMatchObject({ reason: 'underflow', path: 'a.list[1]' });
    expect(findVanishingNumber('{"mutations":[{"estimatedBlastRadius":-0.5e-330}]}')).toMatchObject({ reason: 'underflow', path: 'mutations[0].estimatedBlastRadius' });
    expect(findVanishingNumber('1e-400')).toMatchObject({ reason: 'underflow', path: '' });
  });

  it('leaves zeros, the smallest doubles, strings and overwritten duplicates alone', () => {
    for (const text of ['{"n":0e-400}', '{"n":-0.0e-5}', '{"n":4.9e-324}', '{"n":1e-323}', '{"s":"1e-400","k\\"1e-400":2}', '{"1e-400":1}', '{"n":1e-400,"n":1}', '{"n":1.5e-3}']) {
      expect({ text, found: findVanishingNumber(text) }).toEqual({ text, found: undefined });
    }
  });
});

describe('classificationViolations', () => {
  const valid = { category: 'feature-flag', riskLevel: 'low' as const, sideEffectSeverity: 'none' as const, tags: ['prod'], metadata: { team: 'payments' }, estimatedBlastRadius: 0 };

  it('accepts a classification within the limits', () => {
    expect(classificationViolations({ ...valid, estimatedBlastRadius: ENVELOPE_LIMITS.maxBlastRadius })).toEqual([]);
  });

  it.each([
    ['a blast radius beyond a PostgreSQL integer', { estimatedBlastRadius: ENVELOPE_LIMITS.maxBlastRadius + 1 }, 'estimatedBlastRadius'],
    ['a fractional blast radius', { estimatedBlastRadius: 1.5 }, 'estimatedBlastRadius'],
    ['a category of 101 characters', { category: '\u{1F600}'.repeat(101) }, 'category'],
    ['a tag with a NUL', { tags: ['a\u0000'] }, 'tags[0]'],
    ['metadata with a lone surrogate', { metadata: { k: '\ud800' } }, 'metadata.k'],
  ])('reports %s', (_name, change, path) => {
    expect(classificationViolations({ ...valid, ...change })).toEqual([expect.objectContaining({ path })]);
  });
});

describe('isTimestampInRange', () => {
  it.each([
    ['2026-12-08T00:00:00Z', true],
    ['1970-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59Z', true],
    ['0000-01-01T00:00:00Z', false],
    ['1969-12-31T23:59:59Z', false],
    ['not a date', false],
  ])('%s is %s', (text, expected) => {
    expect(isTimestampInRange(text)).toBe(expected);
  });
});
