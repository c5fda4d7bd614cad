import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildContractRegistry } from './build-registry.js';
import { loadContractModules } from './load-contracts.js';

/** A contract module as a user writes it: TypeScript, importing the domain by package name. */
const parkingLotModule = `
import { defineContract, type Op } from '@countersign/domain';

interface ParkingLot {
  spaces: number;
}

const spacesSchema = { type: 'integer', minimum: 0 } as const;

export const parkingLotContract = defineContract<ParkingLot>({
  stateType: 'parking-lot',
  description: 'Spaces in a parking lot.',
  stateSchema: { type: 'object', required: ['spaces'], additionalProperties: false, properties: { spaces: spacesSchema } },
  transitions: {
    open: {
      creates: true,
      payloadSchema: { type: 'object', required: ['spaces'], additionalProperties: false, properties: { spaces: spacesSchema } },
      effects: ({ payload }: { payload: ParkingLot }): Op[] => [{ op: 'set', path: '', value: { spaces: payload.spaces } }],
    },
  },
});
`;

function plainJsModule(stateTypes: string[], exportStyle: 'default-array' | 'named' = 'named'): string {
  const contracts = stateTypes.map(
    (stateType) => `defineContract({
  stateType: '${stateType}',
  stateSchema: { type: 'object' },
  transitions: { create: { creates: true, payloadSchema: { type: 'object' }, effects: () => [{ op: 'set', path: '', value: {} }] } },
})`,
  );
  const body = exportStyle === 'default-array' ? `export default [${contracts.join(', ')}];` : contracts.map((contract, index) => `export const contract${index} = ${contract};`).join('\n');
  return `import { defineContract } from '@countersign/domain';\n${body}\n`;
}

const silent = () => undefined;

describe('loading contract modules from COUNTERSIGN_CONTRACTS_DIR', () => {
  let workDir: string;
  let folders = 0;

  beforeAll(async () => {
    // Outside the repository on purpose: the folder has no node_modules to resolve @countersign/domain from.
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-contract-modules-'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  async function contractsFolder(files: Record<string, string>): Promise<string> {
    const directory = path.join(workDir, `folder-${++folders}`);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
      await writeFile(path.join(directory, name), text);
    }
    await mkdir(directory, { recursive: true });
    return directory;
  }

  async function compiledFolders(): Promise<string[]> {
    return (await readdir(os.tmpdir())).filter((name) => name.startsWith('countersign-contracts-')).sort();
  }

  it('registers a TypeScript contract module next to the built-in contracts', async () => {
    const directory = await contractsFolder({ 'parking-lot.contract.ts': parkingLotModule });
    const lines: string[] = [];
    const registry = await buildContractRegistry(directory, (line) => lines.push(line));

    expect(registry.stateTypes()).toEqual(['credit-limit', 'feature-flag', 'parking-lot']);
    expect(lines).toEqual([`loaded contract parking-lot from ${path.join(directory, 'parking-lot.contract.ts')}`]);
    const parkingLot = registry.get('parking-lot');
    expect(parkingLot?.definition.description).toBe('Spaces in a parking lot.');
    expect(parkingLot?.validateState({ spaces: 12 })).toEqual([]);
    expect(parkingLot?.validateState({ spaces: -1 })).not.toEqual([]);
    expect(parkingLot?.payloadValidators['open']?.({ spaces: 3 })).toEqual([]);
    expect(parkingLot?.definition.transitions['open']?.effects({ state: null, payload: { spaces: 3 } })).toEqual([{ op: 'set', path: '', value: { spaces: 3 } }]);
  });

  it('registers the contracts of a .mjs module that imports @countersign/domain, from a default-exported array', async () => {
    const directory = await contractsFolder({ 'lots.mjs': plainJsModule(['garage', 'car-wash'], 'default-array') });
    const registry = await buildContractRegistry(directory, silent);
    expect(registry.stateTypes()).toEqual(['car-wash', 'credit-limit', 'feature-flag', 'garage']);
  });

  it('loads .mts and .js modules and every named contract export, in file-name order', async () => {
    const directory = await contractsFolder({
      'b.mts': plainJsModule(['bravo']),
      'a.js': plainJsModule(['alpha-one', 'alpha-two']),
    });
    const loaded = await loadContractModules(directory);
    expect(loaded.map(({ contract, file }) => [contract.stateType, path.basename(file)])).toEqual([
      ['alpha-one', 'a.js'],
      ['alpha-two', 'a.js'],
      ['bravo', 'b.mts'],
    ]);
  });

  it('loads modules whose names differ only in their extension', async () => {
    const directory = await contractsFolder({ 'lot.ts': plainJsModule(['lot-from-ts']), 'lot.mts': plainJsModule(['lot-from-mts']) });
    const loaded = await loadContractModules(directory);
    expect(loaded.map(({ contract }) => contract.stateType)).toEqual(['lot-from-mts', 'lot-from-ts']);
  });

  it('resolves relative imports of TypeScript and JavaScript modules against their own folder', async () => {
    const directory = await contractsFolder({
      'lib/schemas.mjs': "export const spacesSchema = { type: 'integer', minimum: 0 };\n",
      'garage.ts': `import { defineContract } from '@countersign/domain';
import { spacesSchema } from './lib/schemas.mjs';
export const garage = defineContract({ stateType: 'garage', stateSchema: spacesSchema, transitions: { open: { creates: true, payloadSchema: { type: 'object' }, effects: () => [] } } });
`,
      'car-park.mjs': `import { defineContract } from '@countersign/domain';
export * from './lib/schemas.mjs';
const { spacesSchema } = await import('./lib/schemas.mjs');
export const carPark = defineContract({ stateType: 'car-park', stateSchema: spacesSchema, transitions: { open: { creates: true, payloadSchema: { type: 'object' }, effects: () => [] } } });
`,
    });
    const loaded = await loadContractModules(directory);
    expect(loaded.map(({ contract }) => [contract.stateType, contract.validateState(-1).length > 0])).toEqual([
      ['car-park', true],
      ['garage', true],
    ]);
  });

  it('skips declaration files and files that are not modules', async () => {
    const directory = await contractsFolder({
      'parking-lot.contract.ts': parkingLotModule,
      'parking-lot.contract.d.ts': 'export declare const parkingLotContract: unknown;\n',
      'README.md': '# contracts\n',
      'schema.json': '{}',
    });
    const loaded = await loadContractModules(directory);
    expect(loaded.map(({ contract }) => contract.stateType)).toEqual(['parking-lot']);
  });

  it('leaves no transpiled files behind', async () => {
    const before = await compiledFolders();
    await loadContractModules(await contractsFolder({ 'parking-lot.contract.ts': parkingLotModule }));
    expect(await compiledFolders()).toEqual(before);
  });

  it('keeps only the built-in contracts when no folder is configured', async () => {
    const lines: string[] = [];
    const registry = await buildContractRegistry(undefined, (line) => lines.push(line));
    expect(registry.stateTypes()).toEqual(['credit-limit', 'feature-flag']);
    expect(lines).toEqual([]);
  });

  it('accepts an empty folder', async () => {
    expect(await loadContractModules(await contractsFolder({}))).toEqual([]);
  });

  it('loads TypeScript and .mjs modules from a folder outside the repository with the built library in plain Node', async () => {
    // Jest resolves @countersign/domain through its moduleNameMapper from any folder; plain Node
    // (as in production) resolves it through the workspace package, whose default export is dist.
    const buildRegistryUrl = new URL('../../dist/contracts/build-registry.js', import.meta.url).href;
    const directory = await contractsFolder({ 'parking-lot.contract.ts': parkingLotModule, 'lots.mjs': plainJsModule(['garage'], 'default-array') });
    const script = `const { buildContractRegistry } = await import(process.argv[1]);
const registry = await buildContractRegistry(process.argv[2], () => undefined);
process.stdout.write(JSON.stringify(registry.stateTypes()));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, buildRegistryUrl, directory], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      timeout: 120_000,
    });
    expect(JSON.parse(stdout)).toEqual(['credit-limit', 'feature-flag', 'garage', 'parking-lot']);
  });

  it('refuses a module that exports no contract, naming the file', async () => {
    const directory = await contractsFolder({ 'helpers.ts': 'export const spaces = 12;\nexport default { stateType: "half-a-contract" };\n' });
    await expect(buildContractRegistry(directory, silent)).rejects.toThrow(
      `contract module ${path.join(directory, 'helpers.ts')} exports no contract (use defineContract from @countersign/domain)`,
    );
  });

  it('reports a module that fails to load, naming the file and the cause', async () => {
    const directory = await contractsFolder({ 'broken.mjs': "throw new Error('contract folder misconfigured');\n" });
    await expect(loadContractModules(directory)).rejects.toThrow(`contract module ${path.join(directory, 'broken.mjs')} failed to load: `);
    await expect(loadContractModules(directory)).rejects.toThrow('contract folder misconfigured');
  });

  it('reports a contract definition that defineContract rejects', async () => {
    const directory = await contractsFolder({ 'bad-name.mjs': plainJsModule(['Bad_Name']) });
    await expect(loadContractModules(directory)).rejects.toThrow(
      new RegExp(`^contract module ${path.join(directory, 'bad-name.mjs')} failed to load: .*contract stateType "Bad_Name" must match`),
    );
  });

  it('refuses a module whose stateType is already built in', async () => {
    const directory = await contractsFolder({ 'flags.mjs': plainJsModule(['feature-flag']) });
    await expect(buildContractRegistry(directory, silent)).rejects.toThrow(`contract "feature-flag" from ${path.join(directory, 'flags.mjs')} is already registered`);
  });

  it('refuses two modules declaring the same stateType', async () => {
    const directory = await contractsFolder({ 'a.mjs': plainJsModule(['garage']), 'b.ts': plainJsModule(['garage']) });
    await expect(buildContractRegistry(directory, silent)).rejects.toThrow(`contract "garage" from ${path.join(directory, 'b.ts')} is already registered`);
  });

  it('reports a folder it cannot read, naming COUNTERSIGN_CONTRACTS_DIR', async () => {
    const missing = path.join(workDir, 'no-such-folder');
    await expect(buildContractRegistry(missing, silent)).rejects.toThrow(new RegExp(`^COUNTERSIGN_CONTRACTS_DIR ${missing} cannot be read: .*ENOENT`));
    const notAFolder = path.join(await contractsFolder({ 'plain.txt': 'x' }), 'plain.txt');
    await expect(buildContractRegistry(notAFolder, silent)).rejects.toThrow(new RegExp(`^COUNTERSIGN_CONTRACTS_DIR ${notAFolder} cannot be read: .*ENOTDIR`));
  });
});
