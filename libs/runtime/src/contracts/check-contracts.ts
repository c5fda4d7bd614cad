import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { builtInContracts } from '@countersign/contracts';
import type { Contract } from '@countersign/domain';
import { ContractRegistry } from './contract-registry.js';
import { CompiledModules, ContractModuleError, isContractModuleFile, loadContractModule } from './load-contracts.js';

/** One thing that keeps a contract module from being registered, where it was found. */
export interface ContractProblem {
  file: string;
  /** 1-based, when the problem has a place in the file (a syntax error, the statement that threw). */
  line?: number;
  column?: number;
  message: string;
}

export interface ContractCheck {
  /** The module files looked at, in order. */
  files: string[];
  /** The contracts that loaded and would register. */
  contracts: { stateType: string; file: string; transitions: string[] }[];
  problems: ContractProblem[];
}

/**
 * Loads a contract module, or every module of a folder, as the server would
 * (COUNTERSIGN_CONTRACTS_DIR) and reports every problem instead of stopping at the first:
 * syntax errors with their line, modules that fail to load or export no contract, definitions
 * `defineContract` refuses, state types already registered (built in or by another module).
 */
export async function checkContractModules(target: string): Promise<ContractCheck> {
  const check: ContractCheck = { files: [], contracts: [], problems: [] };
  let files: string[];
  try {
    files = (await stat(target)).isDirectory() ? (await readdir(target)).filter(isContractModuleFile).sort().map((file) => path.join(target, file)) : [target];
  } catch (error) {
    check.problems.push({ file: target, message: `cannot be read: ${messageOf(error)}` });
    return check;
  }
  const registry = new ContractRegistry(builtInContracts);
  const compiled = new CompiledModules();
  try {
    for (const file of files) {
      check.files.push(file);
      if (!isContractModuleFile(path.basename(file))) {
        check.problems.push({ file, message: 'is not a contract module: use a .ts, .mts, .js or .mjs file' });
        continue;
      }
      const syntax = await syntaxProblems(file);
      if (syntax.length > 0) {
        check.problems.push(...syntax);
        continue;
      }
      let contracts: Contract<unknown>[];
      try {
        contracts = await loadContractModule(file, compiled);
      } catch (error) {
        check.problems.push(await moduleProblem(file, error, compiled));
        continue;
      }
      for (const contract of contracts) {
        try {
          registry.register(contract, file);
          check.contracts.push({ stateType: contract.stateType, file, transitions: Object.keys(contract.definition.transitions) });
        } catch (error) {
          check.problems.push({ file, message: messageOf(error) });
        }
      }
    }
  } finally {
    await compiled.remove();
  }
  return check;
}

/** The syntax errors of a TypeScript module, with their line and column (JavaScript's come from the import). */
async function syntaxProblems(file: string): Promise<ContractProblem[]> {
  if (!/\.m?ts$/.test(file)) return [];
  const typescript = (await import('typescript')).default;
  const output = typescript.transpileModule(await readFile(file, 'utf8'), { fileName: file, reportDiagnostics: true, compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022 } });
  return (output.diagnostics ?? []).map((diagnostic) => {
    const message = typescript.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (!diagnostic.file || diagnostic.start === undefined) return { file, message };
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return { file, line: line + 1, column: character + 1, message };
  });
}

/** A module that did not load: what it threw and, when its stack names a line of the module, where. */
async function moduleProblem(file: string, error: unknown, compiled: CompiledModules): Promise<ContractProblem> {
  if (error instanceof ContractModuleError && error.cause === undefined) return { file, message: error.message.replace(`contract module ${file} `, '') };
  const cause = error instanceof ContractModuleError ? error.cause : error;
  const place = await placeInStack(cause, file, compiled);
  return { file, ...(place ?? {}), message: messageOf(cause) };
}

/**
 * The first place the stack names in the module: its own path (a JavaScript module run in
 * place) or its compiled copy (`<name>.mjs`), whose lines are those of a JavaScript module and
 * map to those of a TypeScript module through the copy's inline source map. A syntax error of a
 * JavaScript module names its place on the first line of the stack.
 */
async function placeInStack(error: unknown, file: string, compiled: CompiledModules): Promise<{ line: number; column: number } | undefined> {
  const stack = typeof (error as { stack?: unknown } | undefined)?.stack === 'string' ? (error as { stack: string }).stack : '';
  const copy = await compiled.path(`${path.basename(file)}.mjs`);
  for (const frame of stack.split('\n')) {
    const match = /(file:\/\/[^\s():]+|\/[^\s():]+):(\d+):(\d+)/.exec(frame) ?? /(file:\/\/[^\s():]+|\/[^\s():]+):(\d+)$/.exec(frame);
    if (!match) continue;
    const location = path.resolve(match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1]);
    const line = Number(match[2]);
    const column = Number(match[3] ?? 1);
    if (location === path.resolve(file)) return { line, column };
    if (location !== path.resolve(copy)) continue;
    if (!/\.m?ts$/.test(file)) return { line, column };
    return originalPlace(await readFile(copy, 'utf8').catch(() => ''), line, column);
  }
  return undefined;
}

/** Where a line and column of a transpiled module come from, by its inline source map. */
function originalPlace(compiledText: string, line: number, column: number): { line: number; column: number } | undefined {
  const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(compiledText);
  if (!inline) return undefined;
  const entry = new SourceMap(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8'))).findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number };
  return entry.originalLine === undefined ? undefined : { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
}

/** The message of anything thrown (errors of another realm, e.g. under Jest, included). */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}
