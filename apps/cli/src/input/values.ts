import { UsageError } from '../failures.js';

/** Collects a repeatable option's values (`--tag a --tag b`). */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A non-negative integer flag, or a usage error naming it. */
export function integerFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} must be a non-negative integer, not "${text}"`);
  return Number(text);
}

/** `key=value` (the value may contain `=`); the key must not be empty. */
export function keyValue(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} takes key=value, not "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

const DURATION = /^(\d+)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `500ms`, `30s`, `2m`, `1h`; a bare number is seconds. */
export function durationFlag(flag: string, text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration like 30s, 2m, 1h or 500ms, not "${text}"`);
  return Number(match[1]) * UNIT_MS[(match[2] ?? 's') as keyof typeof UNIT_MS];
}

/** A value given on the command line: JSON when it parses (`80`, `true`, `{"a":1}`, `"80"`), the text as a string otherwise. */
export function commandLineValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
