import { unwrap, type Schemas } from '@countersign/client';
import { EXIT_CODES } from '../exit-codes.js';
import { UsageError } from '../failures.js';
import type { Style } from '../output/style.js';
import { table } from '../output/table.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface ContractsOptions {
  /** Only this contract, with its full JSON Schemas. */
  stateType?: string;
}

/** `countersign contracts [stateType]`: the registered contracts, their transitions and payload schemas (GET /v1/contracts). */
export async function contracts(options: ContractsOptions, context: CommandContext): Promise<CommandOutput> {
  const answer = unwrap(await context.client.GET('/v1/contracts'));
  if (options.stateType === undefined) return { json: answer, text: answer.items.map((contract) => renderContract(contract, context.style, false)).join('\n\n'), exitCode: EXIT_CODES.success };
  const contract = answer.items.find((item) => item.stateType === options.stateType);
  if (!contract) throw new UsageError(`no contract "${options.stateType}"; the registered ones are ${answer.items.map((item) => item.stateType).join(', ')}`);
  return { json: contract, text: renderContract(contract, context.style, true), exitCode: EXIT_CODES.success };
}

function renderContract(contract: Schemas['Contract'], style: Style, full: boolean): string {
  const lines = [`${style.bold(contract.stateType)}${contract.description ? ` — ${contract.description}` : ''}`];
  lines.push(
    table(
      ['  transition', 'kind', 'payload'],
      contract.transitions.map((transition) => [`  ${transition.name}`, transitionKind(transition), full ? JSON.stringify(transition.payloadSchema) : schemaSummary(transition.payloadSchema)]),
    ),
  );
  if (contract.policies.length > 0) lines.push(`  policies: ${contract.policies.map((policy) => policy.name).join(', ')}`);
  if (full) lines.push(`  state schema: ${JSON.stringify(contract.stateSchema)}`);
  if (full && contract.sideEffectTypes.length > 0) lines.push(`  side effects: ${contract.sideEffectTypes.map((sideEffect) => sideEffect.type).join(', ')}`);
  return lines.join('\n');
}

function transitionKind(transition: Schemas['Contract']['transitions'][number]): string {
  if (transition.creates) return 'creates';
  if (transition.compensatedBy) return `undone by ${transition.compensatedBy}`;
  return transition.reversible ? 'reversible' : 'irreversible';
}

/** `{percentage*: integer, note: string}`: each property, `*` when required. */
export function schemaSummary(schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, { type?: unknown; enum?: unknown[] }>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const parts = Object.entries(properties).map(([name, property]) => {
    const type = Array.isArray(property.enum) ? property.enum.map((value) => JSON.stringify(value)).join('|') : Array.isArray(property.type) ? property.type.join('|') : String(property.type ?? 'any');
    return `${name}${required.has(name) ? '*' : ''}: ${type}`;
  });
  return `{${parts.join(', ')}}`;
}
