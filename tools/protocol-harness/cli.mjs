#!/usr/bin/env node
// Runs the differential protocol harness (test-e2e/src/protocol-harness/, driven by
// test-e2e/src/protocol-harness.e2e.spec.ts) against a
// fresh system on the embedded PostgreSQL, with a chosen seed and budget:
//
//   npm run harness -- --seed 1234 --runs 50 --max-operations 80 [--shrink]
//
// Every run prints its seed; a failure prints the counterexample. --shrink lets fast-check
// shrink a failure to a minimal schedule (slower: each attempt replays against the system).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const env = { ...process.env };
const flags = { '--seed': 'HARNESS_SEED', '--runs': 'HARNESS_RUNS', '--max-operations': 'HARNESS_MAX_OPERATIONS' };
for (let index = 0; index < args.length; index += 1) {
  const name = args[index];
  if (name === '--shrink') {
    env.HARNESS_SHRINK = 'true';
  } else if (name in flags && /^\d+$/.test(args[index + 1] ?? '')) {
    env[flags[name]] = args[index + 1];
    index += 1;
  } else {
    process.stderr.write(`unknown or incomplete argument ${name}\nusage: npm run harness -- [--seed N] [--runs N] [--max-operations N] [--shrink]\n`);
    process.exit(2);
  }
}
if (!env.HARNESS_SEED) env.HARNESS_SEED = String(Date.now() % 2_147_483_647);
const child = spawn(process.execPath, ['--experimental-vm-modules', path.join(root, 'node_modules/jest/bin/jest.js'), 'test-e2e/src/protocol-harness'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 1));
