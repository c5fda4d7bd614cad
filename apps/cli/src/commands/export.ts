import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { CountersignApiError } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { UsageError } from '../failures.js';
import { filterQuery, type FilterOptions } from '../input/filters.js';
import { RowProgress } from '../output/progress.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface ExportOptions extends FilterOptions {
  format?: string;
  /** The file to write; stdout without it. */
  out?: string;
}

/** Counts the rows of an export as it streams: lines of NDJSON, CSV records (a newline inside quotes is not a record's end; the header is not a row). */
export class RowCounter {
  private lines = 0;
  private quoted = false;

  constructor(private readonly format: 'ndjson' | 'csv') {}

  add(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (this.format === 'csv' && byte === 0x22) this.quoted = !this.quoted;
      else if (byte === 0x0a && !this.quoted) this.lines += 1;
    }
  }

  get rows(): number {
    return this.format === 'csv' ? Math.max(0, this.lines - 1) : this.lines;
  }
}

/**
 * `countersign export [filters] --format ndjson|csv --out <file>`: every matching mutation, as
 * the API streams it (GET /v1/mutations/export), into the file (or stdout). On a terminal, a
 * progress line on stderr shows rows and rows per second; nothing extra otherwise.
 */
export async function exportMutations(options: ExportOptions, context: CommandContext): Promise<CommandOutput> {
  const format = options.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format must be ndjson or csv, not "${format}"`);
  const { response, error } = await context.client.GET('/v1/mutations/export', { params: { query: { ...filterQuery(options), format } }, parseAs: 'stream' });
  if (!response.ok || !response.body) throw new CountersignApiError(response.status, error as never);
  const sink = options.out === undefined ? context.stdout : createWriteStream(options.out);
  const counter = new RowCounter(format);
  const progress = context.stderr.isTTY ? new RowProgress(context.stderr, context.now, `exporting ${format}`) : undefined;
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    counter.add(chunk);
    bytes += chunk.byteLength;
    if (!sink.write(chunk)) await once(sink, 'drain');
    progress?.update(counter.rows);
  }
  progress?.done();
  if (options.out !== undefined) {
    sink.end();
    await once(sink, 'finish');
  }
  const summary = { format, rows: counter.rows, bytes, out: options.out ?? null };
  // Without --out the export itself went to stdout: nothing is added to it.
  if (options.out === undefined) return { json: undefined, text: '', exitCode: EXIT_CODES.success };
  return { json: summary, text: `Exported ${counter.rows} mutations (${bytes} bytes of ${format}) to ${options.out}`, exitCode: EXIT_CODES.success };
}
