import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';

/** One structural difference between two documents, at a dot-notation path. */
export interface DiffEntry {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: JsonValue;
  after?: JsonValue;
}

/**
 * Structural diff: objects are compared key by key (sorted, so the result is deterministic),
 * arrays element by element, anything else as a whole.
 */
export function diffDocuments(before: JsonValue | null, after: JsonValue | null): DiffEntry[] {
  const entries: DiffEntry[] = [];
  walk(before, after, '', entries);
  return entries;
}

function walk(before: JsonValue | null | undefined, after: JsonValue | null | undefined, path: string, out: DiffEntry[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, kind: 'added', after: after as JsonValue });
    return;
  }
  if (after === undefined) {
    out.push({ path, kind: 'removed', before });
    return;
  }
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(ownValue(before, key), ownValue(after, key), join(path, key), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index += 1) walk(before[index], after[index], join(path, String(index)), out);
    return;
  }
  if (!jsonEqual(before, after)) out.push({ path, kind: 'changed', before, after });
}

/** A key missing from the document is absent, even if Object.prototype has it (`constructor`, `toString`). */
function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Paths touched by a diff, deduplicated and sorted. */
export function changedPaths(diff: readonly DiffEntry[]): string[] {
  return [...new Set(diff.map((entry) => entry.path))].sort();
}
