import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = REPOSITORY;

/** The workspace bin of the built CLI (`npx countersign` runs the same file). */
export const CLI_BIN = path.join(root, 'apps/cli/bin/countersign.mjs');

/** A process exits within this long on a loaded machine, or the test fails saying so. */
const CLI_DEADLINE_MS = 120_000;

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `countersign <args>` as a real process with exactly `env` (plus PATH and HOME) and
 * answers how it exited and what it printed. Stdout and stderr are pipes, not terminals.
 */
export function runCliProcess(args: readonly string[], env: Record<string, string>, cwd = root): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`countersign ${args.join(' ')} did not exit within ${CLI_DEADLINE_MS} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, CLI_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(deadline);
      resolve({ exitCode, stdout, stderr });
    });
  });
}
