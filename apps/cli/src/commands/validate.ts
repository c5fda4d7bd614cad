import path from 'node:path';
import { EXIT_CODES } from '../exit-codes.js';
import type { Style } from '../output/style.js';
import type { CommandOutput } from './command.js';

/**
 * `countersign validate <module-or-folder>`: loads contract modules offline, as the server loads
 * COUNTERSIGN_CONTRACTS_DIR, and reports every problem with its file and line; exit 0 when all
 * is valid, 2 otherwise.
 *
 * The one place the CLI reaches past @countersign/client: checking contracts without a server
 * needs the loader the server uses, so it imports @countersign/runtime/contracts (the contract
 * loading alone, no Nest, no database clients), lazily so other commands never load it. The
 * lint boundary allows exactly this file (eslint.config.mjs).
 */
export async function validate(target: string, style: Style): Promise<CommandOutput> {
  const { checkContractModules } = await import('@countersign/runtime/contracts');
  const check = await checkContractModules(path.resolve(target));
  const lines = [
    ...check.contracts.map((contract) => `${style.green('ok')}     ${contract.stateType} (${shown(contract.file)}): ${contract.transitions.join(', ')}`),
    ...check.problems.map((problem) => `${style.red('error')}  ${shown(problem.file)}${problem.line === undefined ? '' : `:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`}: ${problem.message}`),
    `${check.contracts.length} ${check.contracts.length === 1 ? 'contract' : 'contracts'}, ${check.problems.length} ${check.problems.length === 1 ? 'problem' : 'problems'}`,
  ];
  const valid = check.problems.length === 0;
  return { json: { valid, ...check }, text: lines.join('\n'), exitCode: valid ? EXIT_CODES.success : EXIT_CODES.usage, ...(valid ? {} : { message: `${check.problems.length} ${check.problems.length === 1 ? 'problem' : 'problems'} in ${target}` }) };
}

/** A file relative to the working folder when it is inside it, absolute otherwise. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
