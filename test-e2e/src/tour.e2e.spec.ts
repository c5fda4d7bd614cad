import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstCommandOf, openReaderCheckout, type ReaderCheckout } from './support/reader-checkout.js';
import { compareWithShownAnswer, readsWithoutMinPosition, readTour } from './support/readme-tour.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tour = readTour(readFileSync(path.join(root, 'README.md'), 'utf8'));

/** Where the README's commands send their requests; the one place it is mapped to the test server's port. */
const README_ADDRESS = 'localhost:3000';
const STEP_TIMEOUT_MS = 60_000;

describe('the README tour, run as written', () => {
  let checkout: ReaderCheckout | undefined;

  beforeAll(async () => {
    // The reader's repository folder after `npm install` (npx runs the workspace bin) and `npm start`.
    // npm itself stays offline and quiet: npx must find the bin locally, and no update notice may reach stderr.
    checkout = await openReaderCheckout(root, 'countersign-tour-', ['node_modules'], { npm_config_offline: 'true', npm_config_update_notifier: 'false' });
  }, 120_000);

  afterAll(async () => {
    await checkout?.close();
  }, 60_000);

  it('starts the server with `npm install && npm start` (the test starts the same built entry point)', () => {
    expect(tour.start.commands.trim()).toBe('npm install && npm start');
  });

  it('passes the position of the last write as minPosition on every read after a write', () => {
    expect(readsWithoutMinPosition(tour, README_ADDRESS)).toEqual([]);
  });

  for (const step of tour.steps) {
    it(
      `answers the commands at README.md line ${step.line} as the README shows (${firstCommandOf(step.commands)})`,
      async () => {
        if (!checkout) throw new Error('the checkout did not start');
        const result = await checkout.shell.run(step.commands.replaceAll(README_ADDRESS, `127.0.0.1:${checkout.port}`), STEP_TIMEOUT_MS);
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
