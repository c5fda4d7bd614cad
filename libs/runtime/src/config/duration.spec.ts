import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['15m', 900_000],
    ['3s', 3_000],
    ['250ms', 250],
    ['1d', 86_400_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    [' 2 m ', 120_000],
  ])('reads %p as %p milliseconds', (text, milliseconds) => {
    expect(parseDuration(text, 'SOME_TIMEOUT')).toBe(milliseconds);
  });

  it.each(['', 'soon', '24', 'h', '-5s', '5 minutes', '5S', '1e3ms', '1h30m', '.5s'])('rejects %p with a ConfigError naming the variable', (text) => {
    const attempt = () => parseDuration(text, 'SOME_TIMEOUT');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`SOME_TIMEOUT="${text}" is not a duration like 24h, 15m, 3s or 250ms`);
  });

  it.each(['0s', '0ms', '0.0h'])('rejects the zero duration %p', (text) => {
    const attempt = () => parseDuration(text, 'SOME_TIMEOUT');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('SOME_TIMEOUT must be longer than 0');
  });

  it('names its errors ConfigError so start-up can print them as one line', () => {
    const error = new ConfigError('PORT is wrong');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('PORT is wrong');
  });
});
