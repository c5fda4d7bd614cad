import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@countersign/persistence';
import { createTestDatabase, type TestDatabase } from '@countersign/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { loadConfig } from '../config/countersign-config.js';
import { ConfigError } from '../config/duration.js';
import { openDatabase } from './open-database.js';

/** The configuration of a process told to use `databaseUrl` (DATABASE_URL). */
function configFor(databaseUrl: string) {
  return loadConfig({ DATABASE_URL: databaseUrl, COUNTERSIGN_DATA_DIR: path.join('/nonexistent', 'countersign-data') }, '/');
}

describe('openDatabase with DATABASE_URL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('open_database');
  });

  afterAll(async () => {
    await database.drop();
  });

  it('uses a reachable server as it is, logging the address without the password', async () => {
    const lines: string[] = [];
    const handle = await openDatabase(configFor(database.url), (line) => lines.push(line));
    try {
      expect(handle.url).toBe(database.url);
      expect(handle.embedded).toBeUndefined();
      const client = new pg.Client({ connectionString: handle.url });
      await client.connect();
      const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
      await client.end();
      expect(rows[0]?.name).toBe(database.name);

      const password = new URL(database.url).password;
      expect(password).not.toBe('');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^using PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//);
      expect(lines[0]).not.toContain(password);
    } finally {
      await handle.close();
    }
  });

  it('refuses an unreachable server with a message that names it without the password', async () => {
    const port = await findFreePort();
    const url = `postgres://countersign:hunter2-secret@127.0.0.1:${port}/countersign`;
    const lines: string[] = [];
    const opening = openDatabase(configFor(url), (line) => lines.push(line));
    await expect(opening).rejects.toThrow(`cannot reach PostgreSQL at postgres://countersign:***@127.0.0.1:${port}/countersign: `);
    await expect(opening).rejects.toThrow('ECONNREFUSED');
    await expect(opening).rejects.not.toThrow('hunter2-secret');
    expect(lines).toEqual([]);
  });

  it('refuses wrong credentials with the password redacted', async () => {
    const wrong = new URL(database.url);
    wrong.password = 'not-the-password';
    const opening = openDatabase(configFor(wrong.toString()), () => undefined);
    await expect(opening).rejects.toThrow(/^cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@.*password authentication failed/);
    await expect(opening).rejects.not.toThrow('not-the-password');
  });
});

describe('openDatabase without DATABASE_URL', () => {
  it('starts the embedded server in the data folder with a countersign database that survives a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-open-database-'));
    const config = loadConfig({ COUNTERSIGN_DATA_DIR: dataDir }, '/');
    try {
      const lines: string[] = [];
      const first = await openDatabase(config, (line) => lines.push(line));
      try {
        expect(first.embedded).toBeDefined();
        expect(first.url).toBe(`postgres://postgres:countersign@127.0.0.1:${first.embedded?.port}/countersign`);
        expect(lines).toEqual([`starting embedded PostgreSQL with data in ${dataDir}`, `embedded PostgreSQL listening on 127.0.0.1:${first.embedded?.port}`]);
        const client = new pg.Client({ connectionString: first.url });
        await client.connect();
        await client.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
        await client.end();
      } finally {
        await first.close();
      }

      const second = await openDatabase(config, () => undefined);
      try {
        const client = new pg.Client({ connectionString: second.url });
        await client.connect();
        const { rows } = await client.query<{ note: string }>('SELECT note FROM kept');
        await client.end();
        expect(rows).toEqual([{ note: 'still here' }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  (process.getuid?.() === 0 ? it : it.skip)('refuses, as root, a data folder the postgres user cannot reach with one line saying how to fix it', async () => {
    const privateParent = await mkdtemp(path.join(os.tmpdir(), 'countersign-open-database-private-'));
    const dataDir = path.join(privateParent, 'data');
    try {
      const opening = openDatabase(loadConfig({ COUNTERSIGN_DATA_DIR: dataDir }, '/'), () => undefined);
      await expect(opening).rejects.toThrow(ConfigError);
      await expect(opening).rejects.toThrow(
        `PostgreSQL runs as the system user "postgres", which cannot reach ${dataDir}: ${privateParent} (mode 0700) does not let it through; ` +
          `set COUNTERSIGN_DATA_DIR to a folder the postgres user can reach, or run chmod o+x ${privateParent}`,
      );
    } finally {
      await rm(privateParent, { recursive: true, force: true });
    }
  });
});
