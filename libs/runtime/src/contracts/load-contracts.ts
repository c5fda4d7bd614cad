import { readdir, readFile, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Contract } from '@countersign/domain';

/**
 * Loads every contract module (`*.ts`, `*.mts`, `*.js`, `*.mjs`) in `directory`. A module
 * exports contracts made with `defineContract` (any named or default export; arrays too).
 * TypeScript modules are transpiled on the fly; their `@countersign/domain` imports are bound
 * to this process's domain library so the folder can live anywhere.
 */
export async function loadContractModules(directory: string): Promise<{ contract: Contract<unknown>; file: string }[]> {
  let files: string[];
  try {
    files = (await readdir(directory)).filter((file) => /\.(m?ts|m?js)$/.test(file) && !file.endsWith('.d.ts')).sort();
  } catch (error) {
    throw new Error(`COUNTERSIGN_CONTRACTS_DIR ${directory} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const loaded: { contract: Contract<unknown>; file: string }[] = [];
  let compiledDir: string | undefined;
  for (const file of files) {
    const source = path.join(directory, file);
    let url = pathToFileURL(source).href;
    if (/\.m?ts$/.test(file)) {
      compiledDir ??= await mkdtemp(path.join(os.tmpdir(), 'countersign-contracts-'));
      url = await transpile(source, path.join(compiledDir, file.replace(/\.m?ts$/, '.mjs')));
    }
    let module: Record<string, unknown>;
    try {
      module = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`contract module ${source} failed to load: ${error instanceof Error ? error.message : String(error)}`);
    }
    const contracts = Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value])).filter(isContract);
    if (contracts.length === 0) throw new Error(`contract module ${source} exports no contract (use defineContract from @countersign/domain)`);
    for (const contract of contracts) loaded.push({ contract, file: source });
  }
  return loaded;
}

function isContract(value: unknown): value is Contract<unknown> {
  return typeof value === 'object' && value !== null && 'stateType' in value && 'definition' in value && 'payloadValidators' in value;
}

async function transpile(source: string, target: string): Promise<string> {
  const typescript = (await import('typescript')).default;
  const domainUrl = import.meta.resolve('@countersign/domain');
  const output = typescript.transpileModule(await readFile(source, 'utf8'), {
    fileName: source,
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  const bound = output.outputText.replace(/(from\s*|import\s*\(\s*)(['"])@countersign\/domain\2/g, (_match, prefix: string) => `${prefix}'${domainUrl}'`);
  await writeFile(target, bound, 'utf8');
  return pathToFileURL(target).href;
}
