import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORY } from './support/cli-process.js';
import { firstCommandOf, openReaderCheckout, type ReaderCheckout } from './support/reader-checkout.js';
import { compareShownOutput, readExamples } from './support/shown-output.js';

const examples = readExamples(readFileSync(path.join(REPOSITORY, 'docs/cli.md'), 'utf8'));

/** Where the page's commands send their requests; mapped to the test server's port here only. */
const DOCS_ADDRESS = 'localhost:3000';
const STEP_TIMEOUT_MS = 90_000;

describe('docs/cli.md, run as written', () => {
  let checkout: ReaderCheckout | undefined;

  beforeAll(async () => {
    // The reader's repository folder after `npm install` and `npm start`: its node_modules (with the
    // countersign bin) and its docs; HOME is the folder, so the config file and remembered positions go to its .config/.
    checkout = await openReaderCheckout(REPOSITORY, 'countersign-cli-docs-', ['node_modules', 'docs']);
  }, 120_000);

  afterAll(async () => {
    await checkout?.close();
  }, 60_000);

  it('has an example for every command', () => {
    const commands = examples.map((example) => example.commands).join('\n');
    for (const command of ['contracts', 'plan', 'submit', 'apply', 'status', 'watch', 'pending', 'approve', 'reject', 'cancel', 'revert', 'list', 'state', 'history', 'diff', 'batch', 'batch status', 'export', 'validate', 'login']) {
      expect(commands).toMatch(new RegExp(`countersign (--\\S+ (\\S+ )?)*${command}\\s`));
    }
  });

  for (const example of examples) {
    it(
      `prints what docs/cli.md shows at line ${example.line} (${firstCommandOf(example.commands)})`,
      async () => {
        if (!checkout) throw new Error('the checkout did not start');
        const result = await checkout.shell.run(example.commands.replaceAll(DOCS_ADDRESS, `127.0.0.1:${checkout.port}`), STEP_TIMEOUT_MS);
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
        if (example.shown) expect({ differences: compareShownOutput(example.shown, result.stdout), printed: result.stdout }).toEqual({ differences: [], printed: result.stdout });
      },
      STEP_TIMEOUT_MS + 30_000,
    );
  }
});
