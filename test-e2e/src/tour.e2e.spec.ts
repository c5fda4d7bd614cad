import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@countersign/persistence';
import { exited, startApiProcess } from './support/api-process.js';
import { compareWithShownAnswer, readsWithoutMinPosition, readTour, type TourStep } from './support/readme-tour.js';
import { ShellSession } from './support/shell-session.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tour = readTour(readFileSync(path.join(root, 'README.md'), 'utf8'));

/** Where the README's commands send their requests; the one place it is mapped to the test server's port. */
const README_ADDRESS = 'localhost:3000';
const STEP_TIMEOUT_MS = 60_000;

function firstCommand(step: TourStep): string {
  const first = step.commands.split('\n')[0];
  return first.length > 80 ? `${first.slice(0, 80)}…` : first;
}

describe('the README tour, run as written', () => {
  let workDir: string;
  let port: number;
  let api: ChildProcess | undefined;
  let shell: ShellSession | undefined;

  beforeAll(async () => {
    // The reader's repository folder: `.countersign/` in it, as `npm start` makes it with its defaults.
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-tour-'));
    await chmod(workDir, 0o755); // as a checkout is: PostgreSQL (a `postgres` user when run as root) must reach .countersign/pg
    // Its node_modules, as `npm install` leaves them: `npx countersign` runs the workspace bin.
    await symlink(path.join(root, 'node_modules'), path.join(workDir, 'node_modules'));
    port = await findFreePort();
    api = await startApiProcess(path.join(workDir, '.countersign'), port, { COUNTERSIGN_PRINCIPALS: '', COUNTERSIGN_PRINCIPALS_FILE: '' });
    // npm itself stays offline and quiet: npx must find the bin locally, and no update notice may reach stderr.
    shell = ShellSession.start(workDir, { PATH: process.env.PATH, HOME: workDir, LANG: 'C.UTF-8', npm_config_offline: 'true', npm_config_update_notifier: 'false' });
  }, 120_000);

  afterAll(async () => {
    await shell?.close();
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await exited(api);
    }
    await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  it('starts the server with `npm install && npm start` (the test starts the same built entry point)', () => {
    expect(tour.start.commands.trim()).toBe('npm install && npm start');
  });

  it('passes the position of the last write as minPosition on every read after a write', () => {
    expect(readsWithoutMinPosition(tour, README_ADDRESS)).toEqual([]);
  });

  for (const step of tour.steps) {
    it(
      `answers the commands at README.md line ${step.line} as the README shows (${firstCommand(step)})`,
      async () => {
        if (!shell) throw new Error('the shell did not start');
        const result = await shell.run(step.commands.replaceAll(README_ADDRESS, `127.0.0.1:${port}`), STEP_TIMEOUT_MS);
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
        if (!step.expected) return;
        const answers = result.stdout.split('\n').filter((line) => line.trim() !== '');
        const problems: string[] = [];
        if (answers.length !== step.expected.length) problems.push(`the README shows ${step.expected.length} answers, the commands printed ${answers.length}`);
        step.expected.forEach((shown, index) => {
          const answer = answers[index];
          if (answer === undefined) return;
          let parsed: unknown;
          try {
            parsed = JSON.parse(answer);
          } catch {
            problems.push(`answer ${index + 1} is not JSON: ${answer}`);
            return;
          }
          const differences = compareWithShownAnswer(shown, parsed);
          if (differences.length > 0) problems.push(`answer ${index + 1} differs from the README:`, ...differences.map((line) => `  ${line}`), `  printed: ${answer}`);
        });
        expect(problems).toEqual([]);
      },
      STEP_TIMEOUT_MS + 30_000,
    );
  }
});
