const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses durations such as `24h`, `15m`, `3s`, `250ms`, `1d`. */
export function parseDuration(text: string, name: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) throw new ConfigError(`${name}="${text}" is not a duration like 24h, 15m, 3s or 250ms`);
  const milliseconds = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  if (milliseconds <= 0) throw new ConfigError(`${name} must be longer than 0`);
  return milliseconds;
}

/** A start-up configuration problem, reported in one clear line. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
