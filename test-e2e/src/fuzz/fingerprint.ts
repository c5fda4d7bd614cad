import pg from 'pg';

/** What a write would change, by name: each table's row count and a hash of its rows, or the log head. */
export type Fingerprint = Record<string, string>;

export interface Fingerprinter {
  take(): Promise<Fingerprint>;
  close(): Promise<void>;
}

/**
 * Fingerprints every table of the database straight from PostgreSQL — the event store, the read
 * models, timers, idempotency keys — as `<rows> <md5 of the sorted row hashes>`, in one query.
 * Meant for the fuzzer's own small database: it reads every row.
 */
export async function databaseFingerprinter(databaseUrl: string): Promise<Fingerprinter> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows: tables } = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  if (tables.length === 0) throw new Error('the database has no tables: is it the one the API uses?');
  const sql = tables
    .map(({ name }) => {
      const table = `"${name.replace(/"/g, '""')}"`;
      return `SELECT '${name.replace(/'/g, "''")}' AS name, count(*)::text || ' ' || md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS print FROM ${table} t`;
    })
    .join(' UNION ALL ');
  return {
    async take() {
      const { rows } = await client.query<{ name: string; print: string }>(sql);
      return Object.fromEntries(rows.map((row) => [row.name, row.print]));
    },
    close: () => client.end(),
  };
}

/** Only the log head, from GET /health: for a server whose database the fuzzer cannot reach. */
export function healthFingerprinter(baseUrl: string): Fingerprinter {
  return {
    async take() {
      const response = await fetch(`${baseUrl}/health`);
      const body = (await response.json()) as { details?: { log?: { headPosition?: unknown } } };
      return { 'log head (GET /health)': String(body.details?.log?.headPosition) };
    },
    close: async () => undefined,
  };
}

/** `es_events: 16 rows → 19 rows`, one entry per name whose print differs. */
export function describeChange(before: Fingerprint, after: Fingerprint): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((name) => before[name] !== after[name])
    .map((name) => {
      const rowsBefore = before[name]?.split(' ')[0];
      const rowsAfter = after[name]?.split(' ')[0];
      if (!before[name]?.includes(' ') || !after[name]?.includes(' ')) return `${name}: ${before[name]} → ${after[name]}`;
      return rowsBefore === rowsAfter ? `${name}: ${rowsAfter} rows, contents changed` : `${name}: ${rowsBefore} rows → ${rowsAfter} rows`;
    });
}
