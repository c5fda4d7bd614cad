import { readdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Contract } from '@countersign/domain';

/** `from '…'`, `import '…'` and `import('…')` specifiers of an ES module's text. */
const IMPORT_SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"\n]+)\2/g;
const IMPORTS_DOMAIN = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])@countersign\/domain\2/;

/**
 * Loads every contract module (`*.ts`, `*.mts`, `*.js`, `*.mjs`) in `directory`. A module
 * exports contracts made with `defineContract` (any named or default export; arrays too).
 * TypeScript modules are transpiled on the fly; their `@countersign/domain` imports (JavaScript
 * modules' too) are bound to this process's domain library so the folder can live anywhere.
 */
export async function loadContractModules(directory: string): Promise<{ contract: Contract<unknown>; file: string }[]> {
  let files: string[];
  try {
    files = (await readdir(directory)).filter(isContractModuleFile).sort();
  } catch (error) {
    throw new Error(`COUNTERSIGN_CONTRACTS_DIR ${directory} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const loaded: { contract: Contract<unknown>; file: string }[] = [];
  const compiled = new CompiledModules();
  try {
    for (const file of files) {
      const source = path.join(directory, file);
      for (const contract of await loadContractModule(source, compiled)) loaded.push({ contract, file: source });
    }
  } finally {
    await compiled.remove();
  }
  return loaded;
}

/** The contract module files of a folder: `*.ts`, `*.mts`, `*.js`, `*.mjs`, not declaration files, sorted. */
export function isContractModuleFile(file: string): boolean {
  return /\.(m?ts|m?js)$/.test(file) && !file.endsWith('.d.ts');
}

/** Where transpiled or rebound copies of contract modules are written while they load; removed afterwards. */
export class CompiledModules {
  private directory: string | undefined;

  async path(name: string): Promise<string> {
    this.directory ??= await mkdtemp(path.join(os.tmpdir(), 'countersign-contracts-'));
    return path.join(this.directory, name);
  }

  /** Imported modules stay loaded; their compiled copies are not needed any more. */
  async remove(): Promise<void> {
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }
}

/** The contracts one module exports; throws, naming the file, when it does not load or exports none. */
export async function loadContractModule(source: string, compiled: CompiledModules): Promise<Contract<unknown>[]> {
  const file = path.basename(source);
  let url = pathToFileURL(source).href;
  const typescript = /\.m?ts$/.test(file);
  const text = await readFile(source, 'utf8');
  // A JavaScript module that does not import the domain by name (ESM) runs in place, untouched.
  if (typescript || IMPORTS_DOMAIN.test(text)) {
    // The full name (`lot.ts.mjs`) keeps `lot.ts` and `lot.mts` apart.
    url = await bindImports(source, typescript ? await transpile(source, text) : text, await compiled.path(`${file}.mjs`));
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new ContractModuleError(source, `contract module ${source} failed to load: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const contracts = Object.values(module).flatMap((value) => (Array.isArray(value) ? value : [value])).filter(isContract);
  if (contracts.length === 0) throw new ContractModuleError(source, `contract module ${source} exports no contract (use defineContract from @countersign/domain)`);
  return contracts;
}

/** A contract module that cannot be used: `cause` is what its evaluation threw, when it threw. */
export class ContractModuleError extends Error {
  constructor(
    readonly file: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ContractModuleError';
  }
}

function isContract(value: unknown): value is Contract<unknown> {
  return typeof value === 'object' && value !== null && 'stateType' in value && 'definition' in value && 'payloadValidators' in value;
}

async function transpile(source: string, text: string): Promise<string> {
  const typescript = (await import('typescript')).default;
  const output = typescript.transpileModule(text, {
    fileName: source,
    // The inline source map lets stack traces (and `countersign validate`) name lines of the original file.
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022, verbatimModuleSyntax: false, inlineSourceMap: true, sourceRoot: pathToFileURL(path.dirname(source)).href },
  });
  return output.outputText;
}

/**
 * Writes the module to `target`, outside its folder: `@countersign/domain` is bound to this
 * process's domain library and relative imports to the files next to the original.
 */
async function bindImports(source: string, text: string, target: string): Promise<string> {
  const domainUrl = import.meta.resolve('@countersign/domain');
  const bound = text.replace(IMPORT_SPECIFIER, (match, prefix: string, quote: string, specifier: string) => {
    if (specifier === '@countersign/domain') return `${prefix}${quote}${domainUrl}${quote}`;
    if (specifier.startsWith('./') || specifier.startsWith('../')) return `${prefix}${quote}${pathToFileURL(path.resolve(path.dirname(source), specifier)).href}${quote}`;
    return match;
  });
  await writeFile(target, bound, 'utf8');
  return pathToFileURL(target).href;
}
