// Diagnostic preload for bench:submit (BENCH_COUNT_QUERIES=1): loaded into the API child with
// `node --import`, it counts every statement sent through pg's Client.prototype.query (the
// event-store pool and TypeORM both use it), by statement text. On SIGUSR2 it writes the counts
// since the previous SIGUSR2 to BENCH_QUERY_COUNT_FILE as JSON and starts over. The application
// code is not changed.
import { writeFileSync } from 'node:fs';
import pg from 'pg';

const file = process.env.BENCH_QUERY_COUNT_FILE;
let counts = new Map();

const original = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(config, values, callback) {
  const text = typeof config === 'string' ? config : config?.text;
  if (typeof text === 'string') {
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 300);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return original.call(this, config, values, callback);
};

process.on('SIGUSR2', () => {
  if (file) writeFileSync(file, JSON.stringify(Object.fromEntries(counts)));
  counts = new Map();
});
