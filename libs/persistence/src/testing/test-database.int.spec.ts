import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase } from './test-database.js';

describe('createTestDatabase', () => {
  it('creates a separate, real PostgreSQL database and drops it again', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ name: string; version: string }>('SELECT current_database() AS name, current_setting(\'server_version\') AS version');
    await client.end();
    expect(rows[0]?.name).toBe(database.name);
    expect(rows[0]?.version).toMatch(/^\d+/);
    await database.drop();
    const admin = new pg.Client({ connectionString: process.env.COUNTERSIGN_TEST_DATABASE_URL });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});
