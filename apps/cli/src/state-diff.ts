import type { DiffLine } from './output/diff.js';

/** An applied change as the history answers it: the version it made and its diff. */
export interface HistoryChange {
  version: number;
  diff: readonly DiffLine[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The document at `version`, rebuilt from the history's diffs (each diff is complete: every
 * changed path with its value after), starting from no document at version 0.
 */
export function documentAt(history: readonly HistoryChange[], version: number): Json | undefined {
  let document: Json | undefined;
  for (const change of [...history].sort((a, b) => a.version - b.version)) {
    if (change.version > version) break;
    for (const entry of change.diff) document = applyEntry(document, entry);
  }
  return document;
}

function applyEntry(document: Json | undefined, entry: DiffLine): Json | undefined {
  if (entry.path === '') return entry.kind === 'removed' ? undefined : (entry.after as Json);
  const root: Json = document === undefined || document === null || typeof document !== 'object' ? {} : structuredClone(document);
  const keys = entry.path.split('.');
  let parent: Json = root;
  for (const [index, key] of keys.slice(0, -1).entries()) {
    const container = parent as Record<string, Json>;
    if (container[key] === undefined || container[key] === null || typeof container[key] !== 'object') container[key] = /^\d+$/.test(keys[index + 1] ?? '') ? [] : {};
    parent = container[key] as Json;
  }
  const last = keys[keys.length - 1] as string;
  if (entry.kind === 'removed') {
    // Arrays are compared element by element, so only their tail is ever removed.
    if (Array.isArray(parent)) parent.length = Math.min(parent.length, Number(last));
    else delete (parent as Record<string, Json>)[last];
  } else if (Array.isArray(parent)) {
    parent[Number(last)] = entry.after as Json;
  } else {
    (parent as Record<string, Json>)[last] = entry.after as Json;
  }
  return root;
}

/** What changed between two versions; before the first version the document is `{}`, so a creating change lists each field it adds. */
export function diffVersions(history: readonly HistoryChange[], from: number, to: number): DiffLine[] {
  const before = documentAt(history, from);
  const after = documentAt(history, to);
  const empty = (document: Json | undefined, other: Json | undefined) => (document === undefined && other !== undefined && typeof other === 'object' && other !== null && !Array.isArray(other) ? {} : document);
  return diffDocuments(empty(before, after), empty(after, before));
}

/** The structural diff of two documents, as the API computes diffs: objects key by key (sorted), arrays element by element. */
export function diffDocuments(before: Json | undefined, after: Json | undefined): DiffLine[] {
  const out: DiffLine[] = [];
  walk(before, after, '', out);
  return out;
}

function walk(before: Json | undefined, after: Json | undefined, path: string, out: DiffLine[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, kind: 'added', after });
    return;
  }
  if (after === undefined) {
    out.push({ path, kind: 'removed', before });
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) walk(own(before, key), own(after, key), join(path, key), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index += 1) walk(before[index], after[index], join(path, String(index)), out);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, kind: 'changed', before, after });
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: { [key: string]: Json }, key: string): Json | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
