#!/usr/bin/env node
// The `countersign` bin of the workspace: runs the built CLI (apps/cli/dist, made by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('countersign: the CLI is not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(entry.href);
