import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../database-url.js';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the real PostgreSQL server the Jest global setup started
 * (or the one named by DATABASE_URL). Each test file gets its own database.
 */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const serverUrl = process.env.COUNTERSIGN_TEST_DATABASE_URL;
  if (!serverUrl) {
    throw new Error('COUNTERSIGN_TEST_DATABASE_URL is not set: run tests through `npm test` (its Jest global setup starts PostgreSQL)');
  }
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: () => dropDatabase(serverUrl, name),
  };
}

/**
 * `pool.end()` resolves before its connections are gone; a forced drop could kill one of them and
 * crash the test run with 57P01, so wait (briefly) for the sessions to leave first.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (let waited = 0; waited < 5_000; waited += 50) {
      const { rows } = await client.query<{ sessions: number }>('SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = $1', [name]);
      if ((rows[0]?.sessions ?? 0) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
