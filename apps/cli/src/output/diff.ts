import type { Style } from './style.js';

/** One change at a dot path, as the API answers diffs. */
export interface DiffLine {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** A value on one line: JSON, strings quoted. */
export function inline(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** A diff the way plan tools show one: `+ path: value` added, `- path: value` removed, `~ path: before → after` changed. */
export function renderDiff(diff: readonly DiffLine[] | null | undefined, style: Style, indent = '  '): string {
  if (!diff || diff.length === 0) return `${indent}${style.dim('(no change)')}`;
  return diff
    .map((entry) => {
      switch (entry.kind) {
        case 'added':
          return `${indent}${style.green(`+ ${entry.path}: ${inline(entry.after)}`)}`;
        case 'removed':
          return `${indent}${style.red(`- ${entry.path}: ${inline(entry.before)}`)}`;
        case 'changed':
          return `${indent}${style.yellow(`~ ${entry.path}: ${inline(entry.before)} → ${inline(entry.after)}`)}`;
        default: {
          const unknown: never = entry.kind;
          return `${indent}? ${entry.path} (${String(unknown)})`;
        }
      }
    })
    .join('\n');
}
