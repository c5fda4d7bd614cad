import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createOpenApiDocument } from '@countersign/api';
import { describe, expect, it } from '@jest/globals';
// The generator is a tool script (npm run client:generate), not a workspace project.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { GENERATED_DIR, renderClient } from '../../tools/client/generate-client.mjs';

describe('the typed client in libs/client', () => {
  it('is exactly what the current OpenAPI document generates (run `npm run client:generate` after changing the API)', async () => {
    const expected = await renderClient(await createOpenApiDocument());
    const checkedIn = Object.fromEntries(await Promise.all((await readdir(GENERATED_DIR)).sort().map(async (name) => [name, await readFile(path.join(GENERATED_DIR, name), 'utf8')])));
    expect(Object.keys(checkedIn)).toEqual(Object.keys(expected).sort());
    for (const [name, contents] of Object.entries(expected)) {
      // One line per difference keeps the failure readable; the fix is always the same command.
      expect({ file: `libs/client/src/generated/${name}`, contents: checkedIn[name] }).toEqual({ file: `libs/client/src/generated/${name}`, contents });
    }
  });
});
