#!/usr/bin/env node
// Runs the HTTP fuzzer (test-e2e/src/fuzz/, driven by test-e2e/src/fuzz.e2e.spec.ts) with a
// chosen seed and budget, against a fresh API on an embedded PostgreSQL or one already running:
//
//   npm run fuzz -- --seed 7 --requests 10000
//   npm run fuzz -- --url http://localhost:3000 [--token <token>]... [--database-url postgres://…]
//
// Without --seed a random one is picked and printed; the same seed sends the same requests.
// Against --url the tokens default to the demo principals of .countersign/principals.json, and
// writes are watched through the log head of GET /health unless --database-url is given.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const usage = 'usage: npm run fuzz -- [--seed N] [--requests N] [--url URL] [--token TOKEN]... [--database-url URL]';
const args = process.argv.slice(2);
const env = { ...process.env, FUZZ_REQUESTS: '10000' };
const tokens = [];
const numbers = { '--seed': 'FUZZ_SEED', '--requests': 'FUZZ_REQUESTS' };
const texts = { '--url': 'FUZZ_URL', '--database-url': 'FUZZ_DATABASE_URL' };
for (let index = 0; index < args.length; index += 1) {
  const [name, value] = [args[index], args[index + 1]];
  if (name in numbers && /^\d+$/.test(value ?? '')) env[numbers[name]] = value;
  else if (name in texts && value) env[texts[name]] = value.replace(/\/+$/, '');
  else if (name === '--token' && value) tokens.push(value);
  else {
    process.stderr.write(`unknown or incomplete argument ${name}\n${usage}\n`);
    process.exit(2);
  }
  index += 1;
}
if (!env.FUZZ_SEED) env.FUZZ_SEED = String(Date.now() % 2_147_483_647);
if (env.FUZZ_URL) {
  if (tokens.length === 0) tokens.push(...demoTokens());
  if (tokens.length === 0) {
    process.stderr.write(`--url needs --token (no demo principals found in ${principalsFile()})\n${usage}\n`);
    process.exit(2);
  }
  env.FUZZ_TOKENS = tokens.join(',');
}
process.stdout.write(`fuzz: seed ${env.FUZZ_SEED}, ${env.FUZZ_REQUESTS} requests (replay: npm run fuzz -- --seed ${env.FUZZ_SEED} --requests ${env.FUZZ_REQUESTS})\n`);
const child = spawn(process.execPath, ['--experimental-vm-modules', path.join(root, 'node_modules/jest/bin/jest.js'), 'test-e2e/src/fuzz.e2e.spec.ts'], { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));

function principalsFile() {
  return path.resolve(root, process.env.COUNTERSIGN_DATA_DIR || '.countersign', 'principals.json');
}

function demoTokens() {
  if (!existsSync(principalsFile())) return [];
  return JSON.parse(readFileSync(principalsFile(), 'utf8')).map((principal) => principal.token);
}
