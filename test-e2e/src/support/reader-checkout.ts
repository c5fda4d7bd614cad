import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@countersign/persistence';
import { exited, startApiProcess } from './api-process.js';
import { ShellSession } from './shell-session.js';

/** A reader's repository folder with `npm start` running in it, and a shell in that folder: where documented commands run as written. */
export interface ReaderCheckout {
  readonly workDir: string;
  readonly port: number;
  readonly shell: ShellSession;
  close(): Promise<void>;
}

/**
 * A fresh folder holding links to the repository's `links` (node_modules, docs …), the built API
 * started in it on the embedded default with demo principals (`.countersign/` as `npm start`
 * makes it), and a bash session there whose HOME is the folder.
 */
export async function openReaderCheckout(repository: string, prefix: string, links: readonly string[], shellEnv: Record<string, string> = {}): Promise<ReaderCheckout> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  // As a checkout is: PostgreSQL (a `postgres` user when run as root) must reach .countersign/pg.
  await chmod(workDir, 0o755);
  for (const link of links) await symlink(path.join(repository, link), path.join(workDir, link));
  const port = await findFreePort();
  let api: ChildProcess | undefined;
  try {
    api = await startApiProcess(path.join(workDir, '.countersign'), port, { COUNTERSIGN_PRINCIPALS: '', COUNTERSIGN_PRINCIPALS_FILE: '' });
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  const shell = ShellSession.start(workDir, { PATH: process.env.PATH ?? '', HOME: workDir, LANG: 'C.UTF-8', ...shellEnv });
  return {
    workDir,
    port,
    shell,
    async close() {
      await shell.close();
      if (api && api.exitCode === null) {
        api.kill('SIGTERM');
        await exited(api);
      }
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** The first line of a block of commands, short enough for a test name. */
export function firstCommandOf(commands: string): string {
  const first = commands.split('\n')[0] ?? '';
  return first.length > 80 ? `${first.slice(0, 80)}…` : first;
}
