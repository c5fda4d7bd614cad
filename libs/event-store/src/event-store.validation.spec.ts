import { describe, expect, it } from '@jest/globals';
import type { NewEvent } from './event-store.port.js';
import { assertNonNegativeInteger, assertValidAppend } from './event-store.validation.js';

const event = (id: string, type = 'Happened'): NewEvent => ({ id, type, data: {} });
const ID_A = '0b7a4f6e-3f1e-4c4c-9d55-1d2a8f0c9e11';
const ID_B = 'c2d0a4c4-8a4b-4b0e-a7d5-6f3c1e9b2a70';

describe('append validation', () => {
  it('accepts events with distinct uuids and every kind of expected revision', () => {
    for (const expected of ['any', 'no_stream', 'stream_exists', 0, 5] as const) {
      expect(() => assertValidAppend('s', [event(ID_A), event(ID_B)], expected)).not.toThrow();
    }
  });

  it('refuses an empty append', () => {
    expect(() => assertValidAppend('s', [], 'any')).toThrow(TypeError);
  });

  it('refuses an id that is not a uuid, a missing type, and an id repeated within one append', () => {
    expect(() => assertValidAppend('s', [event('not-a-uuid')], 'any')).toThrow(TypeError);
    expect(() => assertValidAppend('s', [event(ID_A, '')], 'any')).toThrow(TypeError);
    expect(() => assertValidAppend('s', [event(ID_A), event(ID_A.toUpperCase())], 'any')).toThrow(TypeError);
  });

  it('refuses an empty stream name and an expected revision that is negative, fractional or unknown', () => {
    expect(() => assertValidAppend('', [event(ID_A)], 'any')).toThrow(TypeError);
    expect(() => assertValidAppend('s', [event(ID_A)], -1)).toThrow(TypeError);
    expect(() => assertValidAppend('s', [event(ID_A)], 1.5)).toThrow(TypeError);
    expect(() => assertValidAppend('s', [event(ID_A)], 'latest' as never)).toThrow(TypeError);
  });

  it('accepts undefined and non-negative integers as read options', () => {
    expect(() => assertNonNegativeInteger('after', undefined)).not.toThrow();
    expect(() => assertNonNegativeInteger('after', 0)).not.toThrow();
    expect(() => assertNonNegativeInteger('after', -3)).toThrow(TypeError);
    expect(() => assertNonNegativeInteger('maxCount', Number.NaN)).toThrow(TypeError);
  });
});
