import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkContractModules } from './check-contracts.js';

function contractModule(stateType: string, extra = ''): string {
  return `import { defineContract } from '@countersign/domain';
${extra}
export const contract = defineContract({
  stateType: '${stateType}',
  stateSchema: { type: 'object' },
  transitions: { create: { creates: true, payloadSchema: { type: 'object' }, effects: () => [{ op: 'set', path: '', value: {} }] }, rename: { payloadSchema: { type: 'object' }, effects: () => [] } },
});
`;
}

describe('checking contract modules offline', () => {
  let workDir: string;
  let folders = 0;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-check-contracts-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  async function folderWith(files: Record<string, string>): Promise<string> {
    folders += 1;
    const folder = path.join(workDir, `folder-${folders}`);
    await mkdir(folder);
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
    return folder;
  }

  it('lists the contracts of a valid folder, with their transitions, and no problem', async () => {
    const folder = await folderWith({ 'a.ts': contractModule('parking-lot'), 'b.mjs': contractModule('car-wash'), 'notes.md': '# not a module' });
    const check = await checkContractModules(folder);
    expect(check.problems).toEqual([]);
    expect(check.files).toEqual([path.join(folder, 'a.ts'), path.join(folder, 'b.mjs')]);
    expect(check.contracts).toEqual([
      { stateType: 'parking-lot', file: path.join(folder, 'a.ts'), transitions: ['create', 'rename'] },
      { stateType: 'car-wash', file: path.join(folder, 'b.mjs'), transitions: ['create', 'rename'] },
    ]);
  });

  it('reports every problem of a folder, each with its file, and keeps checking after the first', async () => {
    const folder = await folderWith({
      '1-syntax.ts': `import { defineContract } from '@countersign/domain';\n\nexport const broken = defineContract({ stateType: 'x', \n`,
      '2-empty.mjs': 'export const nothing = 1;\n',
      '3-refused.ts': `import { defineContract } from '@countersign/domain';\ninterface Lot { spaces: number }\n\nexport const lot = defineContract<Lot>({ stateType: 'Bad Name', stateSchema: {}, transitions: {} });\n`,
      '4-built-in.mjs': contractModule('feature-flag'),
      '5-twice.mjs': contractModule('parking-lot'),
      '6-twice.ts': contractModule('parking-lot'),
      '7-throws.mjs': `import { defineContract } from '@countersign/domain';\n\nthrow new Error('the contract needs a database');\n`,
    });
    const file = (name: string) => path.join(folder, name);
    const check = await checkContractModules(folder);
    expect(check.contracts.map((contract) => contract.stateType)).toEqual(['parking-lot']);
    expect(check.problems).toEqual([
      { file: file('1-syntax.ts'), line: 4, column: 1, message: "'}' expected." },
      { file: file('2-empty.mjs'), message: 'exports no contract (use defineContract from @countersign/domain)' },
      { file: file('3-refused.ts'), line: 4, column: expect.any(Number), message: 'contract stateType "Bad Name" must match /^[a-z][a-z0-9-]{0,62}$/' },
      { file: file('4-built-in.mjs'), message: `contract "feature-flag" from ${file('4-built-in.mjs')} is already registered` },
      { file: file('6-twice.ts'), message: `contract "parking-lot" from ${file('6-twice.ts')} is already registered` },
      { file: file('7-throws.mjs'), line: 3, column: 7, message: 'the contract needs a database' },
    ]);
  });

  it('checks one module file as well as a folder', async () => {
    const folder = await folderWith({ 'lot.ts': contractModule('parking-lot') });
    expect(await checkContractModules(path.join(folder, 'lot.ts'))).toMatchObject({ contracts: [{ stateType: 'parking-lot' }], problems: [] });
  });

  it('reports a path that does not exist, or a file that is not a module', async () => {
    const folder = await folderWith({ 'contract.json': '{}' });
    expect((await checkContractModules(path.join(folder, 'missing'))).problems).toEqual([{ file: path.join(folder, 'missing'), message: expect.stringMatching(/^cannot be read: ENOENT: no such file or directory/) }]);
    expect((await checkContractModules(path.join(folder, 'contract.json'))).problems).toEqual([{ file: path.join(folder, 'contract.json'), message: 'is not a contract module: use a .ts, .mts, .js or .mjs file' }]);
  });
});
