import type { DiffEntry } from '../json/diff.js';
import { jsonEqual, type JsonValue } from '../json/json.js';
import { parsePath, type Op } from '../json/ops.js';

/** A value at a dot path; no `value` means the path is absent. */
export interface PathValue {
  path: string;
  value?: JsonValue;
}

/**
 * What undoing a change needs: the before-image of every path it changed (`restore`) and the
 * after-image those paths must still hold for the undo to be the exact inverse (`expect`).
 */
export interface Inverse {
  restore: PathValue[];
  expect: PathValue[];
}

/** The value at a dot path of a document, undefined when any segment is missing. */
export function readPath(document: JsonValue | null, path: string): JsonValue | undefined {
  let node: JsonValue | null | undefined = document;
  for (const segment of parsePath(path)) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    if (Array.isArray(node)) {
      node = /^(0|[1-9]\d*)$/.test(segment) ? node[Number(segment)] : undefined;
    } else {
      node = Object.hasOwn(node, segment) ? node[segment] : undefined;
    }
  }
  return node === null ? null : node;
}

/** The inverse of a change, from its structural diff (before and after of each changed path). */
export function inverseOf(diff: readonly DiffEntry[]): Inverse {
  return {
    restore: diff.map((entry) => pathValue(entry.path, entry.kind === 'added' ? undefined : entry.before)),
    expect: diff.map((entry) => pathValue(entry.path, entry.kind === 'removed' ? undefined : entry.after)),
  };
}

function pathValue(path: string, value: JsonValue | undefined): PathValue {
  return value === undefined ? { path } : { path, value };
}

/**
 * Ops that write the before-image back. Diff paths are disjoint and sorted (array elements by
 * ascending index), so sets go first in that order (a removed tail element is appended again)
 * and unsets last in reverse order (an added tail shrinks from its end).
 */
export function restoreOps(restore: readonly PathValue[]): Op[] {
  const sets: Op[] = [];
  const unsets: Op[] = [];
  for (const entry of restore) {
    if (entry.value === undefined) unsets.push({ op: 'unset', path: entry.path });
    else sets.push({ op: 'set', path: entry.path, value: entry.value });
  }
  return [...sets, ...unsets.reverse()];
}

/** The paths whose current value differs from what the inverse expects (empty when it applies exactly). */
export function unmetExpectations(document: JsonValue | null, expect: readonly PathValue[]): PathValue[] {
  return expect.filter((entry) => {
    const current = readPath(document, entry.path);
    return entry.value === undefined ? current !== undefined : current === undefined || !jsonEqual(current, entry.value);
  });
}

/** True when one path is the other or lies below it (`limits` and `limits.cpu` overlap; `limits.cpu` and `limits.mem` do not). */
export function pathsOverlap(left: string, right: string): boolean {
  if (left === '' || right === '') return true;
  return left === right || left.startsWith(`${right}.`) || right.startsWith(`${left}.`);
}
