import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '@countersign/persistence';
import { exited, startApiProcess } from './support/api-process.js';
import { REPOSITORY } from './support/cli-process.js';
import { ShellSession } from './support/shell-session.js';
import { compareShownOutput, readExamples, type ShownExample } from './support/shown-output.js';

const examples = readExamples(readFileSync(path.join(REPOSITORY, 'docs/cli.md'), 'utf8'));

/** Where the page's commands send their requests; mapped to the test server's port here only. */
const DOCS_ADDRESS = 'localhost:3000';
const STEP_TIMEOUT_MS = 90_000;

function firstCommand(example: ShownExample): string {
  const first = example.commands.split('\n')[0] as string;
  return first.length > 80 ? `${first.slice(0, 80)}…` : first;
}

describe('docs/cli.md, run as written', () => {
  let workDir: string;
  let port: number;
  let api: ChildProcess | undefined;
  let shell: ShellSession | undefined;

  beforeAll(async () => {
    // The reader's repository folder after `npm install` and `npm start`: its node_modules (with
    // the countersign bin), its docs, and a fresh `.countersign/` with the demo principals.
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-cli-docs-'));
    await chmod(workDir, 0o755);
    await symlink(path.join(REPOSITORY, 'node_modules'), path.join(workDir, 'node_modules'));
    await symlink(path.join(REPOSITORY, 'docs'), path.join(workDir, 'docs'));
    port = await findFreePort();
    api = await startApiProcess(path.join(workDir, '.countersign'), port, { COUNTERSIGN_PRINCIPALS: '', COUNTERSIGN_PRINCIPALS_FILE: '' });
    // HOME is the folder: the config file and the remembered positions go to its .config/.
    shell = ShellSession.start(workDir, { PATH: process.env.PATH, HOME: workDir, LANG: 'C.UTF-8' });
  }, 120_000);

  afterAll(async () => {
    await shell?.close();
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await exited(api);
    }
    await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  it('has an example for every command', () => {
    const commands = examples.map((example) => example.commands).join('\n');
    for (const command of ['contracts', 'plan', 'submit', 'apply', 'status', 'watch', 'pending', 'approve', 'reject', 'cancel', 'revert', 'list', 'state', 'history', 'diff', 'batch', 'batch status', 'export', 'validate', 'login']) {
      expect(commands).toMatch(new RegExp(`countersign (--\\S+ (\\S+ )?)*${command}\\s`));
    }
  });

  for (const example of examples) {
    it(
      `prints what docs/cli.md shows at line ${example.line} (${firstCommand(example)})`,
      async () => {
        if (!shell) throw new Error('the shell did not start');
        const result = await shell.run(example.commands.replaceAll(DOCS_ADDRESS, `127.0.0.1:${port}`), STEP_TIMEOUT_MS);
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
        if (example.shown) expect({ differences: compareShownOutput(example.shown, result.stdout), printed: result.stdout }).toEqual({ differences: [], printed: result.stdout });
      },
      STEP_TIMEOUT_MS + 30_000,
    );
  }
});
