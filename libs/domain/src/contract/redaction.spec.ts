import { describe, expect, it } from '@jest/globals';
import { isSensitivePath, REDACTED, redactDiff, redactValue } from './redaction.js';

describe('redaction', () => {
  const sensitive = ['customer.email', 'secret'];

  it('matches a sensitive path and everything below it, nothing else', () => {
    expect(isSensitivePath('secret', sensitive)).toBe(true);
    expect(isSensitivePath('secret.part', sensitive)).toBe(true);
    expect(isSensitivePath('secretive', sensitive)).toBe(false);
    expect(isSensitivePath('customer', sensitive)).toBe(false);
  });

  it('masks the values at sensitive paths and leaves the rest as it was', () => {
    const value = { customer: { email: 'a@b.c', name: 'Ann' }, secret: { pin: 1 }, limit: 5, list: [{ secret: 1 }] };
    expect(redactValue(value, sensitive)).toEqual({ customer: { email: REDACTED, name: 'Ann' }, secret: REDACTED, limit: 5, list: [{ secret: 1 }] });
    expect(value.customer.email).toBe('a@b.c');
    expect(redactValue('plain', sensitive)).toBe('plain');
  });

  it('masks diff entries on or above sensitive paths', () => {
    expect(
      redactDiff(
        [
          { path: 'customer.email', kind: 'changed', before: 'x@y.z', after: 'a@b.c' },
          { path: 'customer', kind: 'added', after: { email: 'a@b.c', name: 'Ann' } },
          { path: 'secret', kind: 'removed', before: { pin: 1 } },
          { path: 'limit', kind: 'changed', before: 1, after: 2 },
        ],
        sensitive,
      ),
    ).toEqual([
      { path: 'customer.email', kind: 'changed', before: REDACTED, after: REDACTED },
      { path: 'customer', kind: 'added', after: { email: REDACTED, name: 'Ann' } },
      { path: 'secret', kind: 'removed', before: REDACTED },
      { path: 'limit', kind: 'changed', before: 1, after: 2 },
    ]);
  });
});
