import type { DiffEntry } from '../json/diff.js';
import type { JsonValue } from '../json/json.js';

/** What a masked value reads as in exports. */
export const REDACTED = '[redacted]';

/** True when `path` is one of `sensitive` or lies below one. */
export function isSensitivePath(path: string, sensitive: readonly string[]): boolean {
  return sensitive.some((root) => path === root || path.startsWith(`${root}.`));
}

/** A copy of `value` with the value at each sensitive dot path (that exists) replaced by REDACTED. */
export function redactValue(value: JsonValue, sensitive: readonly string[], prefix = ''): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, index) => redactAt(item, `${prefix}${index}`, sensitive));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactAt(item, `${prefix}${key}`, sensitive)]));
}

function redactAt(value: JsonValue, path: string, sensitive: readonly string[]): JsonValue {
  return isSensitivePath(path, sensitive) ? REDACTED : redactValue(value, sensitive, `${path}.`);
}

/** Diff entries with the before/after of sensitive paths masked (and sensitive parts of changed objects). */
export function redactDiff(diff: readonly DiffEntry[], sensitive: readonly string[]): DiffEntry[] {
  return diff.map((entry) => {
    if (isSensitivePath(entry.path, sensitive)) {
      return { ...entry, ...(entry.before !== undefined ? { before: REDACTED } : {}), ...(entry.after !== undefined ? { after: REDACTED } : {}) };
    }
    const prefix = entry.path === '' ? '' : `${entry.path}.`;
    return {
      ...entry,
      ...(entry.before !== undefined ? { before: redactValue(entry.before, sensitive, prefix) } : {}),
      ...(entry.after !== undefined ? { after: redactValue(entry.after, sensitive, prefix) } : {}),
    };
  });
}
