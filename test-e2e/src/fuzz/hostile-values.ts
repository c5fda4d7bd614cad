import fc from 'fast-check';
import { deep, doc, literal, longArray, longString, object, type JsonDocument } from './json-document.js';

/**
 * Values that break inputs. "Poison" strings are invalid anywhere in a request (the HTTP
 * contract refuses a NUL or a lone surrogate in any string or key); "odd" strings are valid
 * text that often breaks code that assumes ASCII, short or well-behaved input.
 */

/** Strings that must make any string or key of a request invalid. */
export const POISON_STRINGS = ['\u0000', 'a\u0000b', 'fuzz\u0000', '\ud83d', 'a\ud83db', '\ude00', '\udfff\ud800', '\ud83d\u0000'] as const;

/** Valid but hostile text: bidi controls, emoji sequences, combining marks, odd whitespace, injection look-alikes. */
export const ODD_STRINGS = [
  '\u202eevil\u202c',
  'שלום עולם',
  'مرحبا',
  '🦄',
  '👩‍👩‍👧‍👦',
  '🇩🇪🏳️‍🌈',
  'e\u0301\u0301\u0301',
  'Z̷̢̛̺a̶̡͉l̷͓̀g̸̣̈o̵͚͐',
  '\ufeffbom',
  'zero\u200bwidth',
  '\uffff\ufffe',
  '\udbff\udfff',
  'line\u2028para\u2029',
  '\u0001\u001f\u007f\u0085',
  'ＦＵＬＬ',
  '漢字かなカナ',
  "' OR 1=1 --",
  '%_\\',
  '{"a":1}',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '../../etc/passwd',
  'tab\there',
  'crlf\r\nheader: x',
  ' ',
  '"',
  '&|!:*()',
  '-word "a phrase"',
] as const;

export const poisonString = fc.constantFrom(...POISON_STRINGS);
export const oddString = fc.constantFrom(...ODD_STRINGS);

/** A poison string somewhere inside otherwise ordinary text. */
export const poisonedText = fc
  .tuple(fc.constantFrom('', 'fuzz-', 'team '), poisonString, fc.constantFrom('', '-x', ' tail'))
  .map(([before, poison, after]) => `${before}${poison}${after}`);

/** Odd (valid) text of at most `max` UTF-16 units. */
export function oddText(max = 100): fc.Arbitrary<string> {
  return fc.array(oddString, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(' ').slice(0, max)).filter((text) => text.length > 0 && !/[\ud800-\udbff]$/.test(text));
}

/**
 * A string longer than `max` characters, sometimes far longer, of ASCII or multi-byte characters.
 * Lengths count code points (class-validator's and PostgreSQL's measure): 2,001 emoji are too
 * long for a 2,000 limit, 1,001 are not, although they are 2,002 UTF-16 units.
 */
export function tooLong(max: number): fc.Arbitrary<JsonDocument> {
  return fc
    .tuple(fc.constantFrom('x', 'é', '🦄', 'ab '), fc.constantFrom(1, 1, 2, 10))
    .map(([unit, factor]) => longString(unit, Math.ceil(((max + 1) * factor) / [...unit].length) + 1));
}

/** JSON numbers no integer field of this API can hold, written as literals where a double would round them. */
export const HUGE_NUMBER_LITERALS = ['2147483648', '4294967296', '9007199254740991', '9007199254740993', '9223372036854775808', '18446744073709551616', '1e308', '1.7976931348623157e308', '123456789012345678901234567890'] as const;
export const hugeNumber = fc.constantFrom(...HUGE_NUMBER_LITERALS).map(literal);

/** Numbers that are not integers ≥ 0, or not numbers a parser agrees on. */
export const notANonNegativeInteger = fc.constantFrom<JsonDocument>(
  doc(-1),
  doc(-2147483649),
  doc(1.5),
  doc(0.1),
  literal('-0.5'),
  literal('1e400'),
  literal('-1e400'),
  literal('1e-400'),
  literal('4.9e-324'),
);

/** Deep nesting, past any sane depth limit (the contract's is 64). */
export const deepValue = fc
  .tuple(fc.oneof(fc.integer({ min: 65, max: 200 }), fc.integer({ min: 2_500, max: 3_500 }), fc.integer({ min: 200, max: 6_000 })), fc.constantFrom<'object' | 'array'>('object', 'array'), fc.constantFrom(1, 'x', null))
  .map(([depth, container, leaf]) => deep(depth, container, doc(leaf)));

/** A JSON value of a different type than `type`; null only when the field is required (null in optional fields has its own rule). */
export function wrongType(type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array', required: boolean): fc.Arbitrary<JsonDocument> {
  const candidates: Record<string, JsonDocument[]> = {
    string: [doc(42), doc(0), doc(true), doc(['a']), doc({ a: 'b' }), doc([])],
    integer: [doc('1'), doc('0'), doc(true), doc([1]), doc({ value: 1 }), doc(''), doc(1.5)],
    number: [doc('1'), doc(true), doc([1]), doc({ value: 1 }), doc('')],
    boolean: [doc('true'), doc('false'), doc(1), doc(0), doc([true]), doc({}), doc('')],
    object: [doc('{}'), doc(1), doc(true), doc([]), doc([{}]), doc('')],
    array: [doc('a'), doc(1), doc(true), doc({ 0: 'a' }), doc({}), doc('a,b')],
  };
  return fc.constantFrom(...(candidates[type] as JsonDocument[]), ...(required ? [doc(null)] : []));
}

/** Keys a request body never defines; `__proto__` and friends included. */
export const UNKNOWN_KEYS = ['actor', 'status', 'version', 'id', 'position', 'approvedBy', 'createdAt', '', ' ', 'x', 'stateType ', 'StateType', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', 'a.b', '🦄'] as const;

export const unknownKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...UNKNOWN_KEYS) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/).map((name) => `fuzz${name}`) },
);

/** A JSON value, ordinary or odd but never refused on its own, to put under an unknown key. */
export const plainValue: fc.Arbitrary<JsonDocument> = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map(doc), oddText().map(doc), hugeNumber, fc.constant(longArray(doc(1), 10_000)));

/** Values refused wherever they are: a server may name either them or the key they sit under. */
export const refusedValue: fc.Arbitrary<JsonDocument> = fc.oneof(deepValue, fc.constant(object([['__proto__', doc({ polluted: true })]])), poisonedText.map(doc));

/** A random version 4 uuid that names nothing (uuids the system creates are never all-zero in their leading group). */
export const unknownUuid = fc.uuid({ version: 4 }).map((id) => `00000000${id.slice(8)}`);

/** Strings that are not uuids, or uuids with something extra. */
export const notAUuid = fc.constantFrom(
  'not-a-uuid',
  '42',
  '0',
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  '00000000-0000-4000-8000-00000000000g',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000000040008000000000000000',
  ' 00000000-0000-4000-8000-000000000000',
  '00000000-0000-4000-8000-000000000000 ',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '🦄',
  'x'.repeat(2_000),
);

/** Strings no duration parser should take, and durations longer than any sane bound (centuries). */
export const badDuration = fc.constantFrom('soon', '', '10', '1w', '-1s', '1.5h', ' 1h', '1h ', '1H', '1 h', 'PT1H', '1h30m', 'Infinity', '1e3s', '0x10s', '١h');
export const hugeDuration = fc.constantFrom('999999999d', '100000d', '36500000d', '999999999h', '9999999h', '999999999m', '88888888h');

/** Strings that are not ISO 8601 dates at all (strict validation refuses every one; `2026` and `2026-W01` are valid ISO 8601). */
export const badInstant = fc.constantFrom(
  'tomorrow',
  '',
  '1',
  '0',
  '2026-13-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T25:00:00Z',
  '01/02/2026',
  'Thu, 01 Jan 2026 00:00:00 GMT',
  '2026-01-01T00:00:00+99:00',
  'NaN',
  'now()',
  '2026-01-01T00:00:00Z\u0000',
);
