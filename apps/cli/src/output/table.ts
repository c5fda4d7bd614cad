import { plain } from './style.js';

/**
 * Columns aligned by the longest cell (ANSI colors do not count), two spaces apart, headers
 * first; the last column is not padded. No rows gives `empty`.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => plain(row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column] - plain(cell).length)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `label: value` lines with the labels aligned. */
export function fields(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([label]) => label.length + 1));
  return entries.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n');
}
