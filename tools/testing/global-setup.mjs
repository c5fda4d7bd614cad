// Starts one real PostgreSQL server for the whole Jest run (or uses DATABASE_URL when set);
// every test file then creates its own database on it (libs/persistence/src/testing).
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.COUNTERSIGN_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const built = path.join(root, 'libs/persistence/dist/index.js');
  if (!existsSync(built)) {
    throw new Error('libs/persistence is not built: run `npm test` (it builds first) or `npm run build`');
  }
  const { startEmbeddedPostgres } = await import(built);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  globalThis.__countersignTestPostgres = server;
  process.env.COUNTERSIGN_TEST_DATABASE_URL = server.url;
}
