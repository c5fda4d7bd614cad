import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ACTOR_KINDS, type Actor } from '@countersign/domain';
import { ConfigError } from '../config/duration.js';

export interface Principal extends Actor {
  token: string;
}

/** Looks principals up by a hash of their bearer token, so tokens are never compared by prefix. */
export class PrincipalDirectory {
  private readonly byTokenHash = new Map<string, Actor>();

  constructor(principals: readonly Principal[]) {
    for (const principal of principals) {
      const { token, ...actor } = principal;
      this.byTokenHash.set(hashToken(token), actor);
    }
  }

  authenticate(token: string): Actor | undefined {
    return this.byTokenHash.get(hashToken(token));
  }

  get size(): number {
    return this.byTokenHash.size;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Checks a principals document (from a file or COUNTERSIGN_PRINCIPALS) and reports the first problem. */
export function parsePrincipals(json: string, origin: string): Principal[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`${origin} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.principals) ? value.principals : undefined;
  if (!list) throw new ConfigError(`${origin} must be a JSON array of { token, id, kind, roles }`);
  const tokens = new Set<string>();
  return list.map((entry: unknown, index: number) => {
    const where = `${origin}[${index}]`;
    if (!isObject(entry)) throw new ConfigError(`${where} must be an object`);
    const { token, id, kind, roles } = entry;
    if (typeof token !== 'string' || token.length < 16) throw new ConfigError(`${where}.token must be a string of at least 16 characters`);
    if (typeof id !== 'string' || id.trim() === '') throw new ConfigError(`${where}.id must be a non-empty string`);
    if (typeof kind !== 'string' || !(ACTOR_KINDS as readonly string[]).includes(kind)) throw new ConfigError(`${where}.kind must be one of ${ACTOR_KINDS.join(', ')}`);
    if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) throw new ConfigError(`${where}.roles must be an array of strings`);
    if (tokens.has(token)) throw new ConfigError(`${where}.token is used by another principal`);
    tokens.add(token);
    return { token, id, kind: kind as Actor['kind'], roles: roles as string[] };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The demo principals of the embedded default, one per role used by the example contracts. */
export const DEMO_PRINCIPALS: readonly Omit<Principal, 'token'>[] = [
  { id: 'alice', kind: 'human', roles: ['operator'] },
  { id: 'bob', kind: 'human', roles: ['release-manager'] },
  { id: 'carol', kind: 'human', roles: ['risk-officer'] },
  { id: 'dave', kind: 'human', roles: ['cfo'] },
  { id: 'erin', kind: 'human', roles: ['admin'] },
  { id: 'deploy-bot', kind: 'service', roles: ['operator'] },
  { id: 'copilot', kind: 'agent', roles: ['operator'] },
];

/** Reads the demo principals from the data folder, creating them (random tokens, mode 0600) on first start. */
export async function demoPrincipals(dataDir: string): Promise<{ principals: Principal[]; file: string; created: boolean }> {
  const file = path.join(dataDir, 'principals.json');
  if (existsSync(file)) return { principals: parsePrincipals(await readFile(file, 'utf8'), file), file, created: false };
  const principals = DEMO_PRINCIPALS.map((principal) => ({ ...principal, token: `cs_${principal.id}_${randomBytes(18).toString('base64url')}` }));
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(principals, null, 2)}\n`, { mode: 0o600 });
  return { principals, file, created: true };
}

/** Who may call the API, and whether they are the demo principals (whose tokens have been printed to the log). */
export interface LoadedPrincipals {
  principals: Principal[];
  demo: boolean;
}

/** COUNTERSIGN_PRINCIPALS_FILE, then COUNTERSIGN_PRINCIPALS, then (embedded default only) the demo principals. */
export async function loadPrincipals(options: {
  principalsFile?: string;
  principalsJson?: string;
  dataDir: string;
  embedded: boolean;
  log: (message: string) => void;
}): Promise<LoadedPrincipals> {
  if (options.principalsFile) {
    let text: string;
    try {
      text = await readFile(options.principalsFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`COUNTERSIGN_PRINCIPALS_FILE ${options.principalsFile} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { principals: parsePrincipals(text, options.principalsFile), demo: false };
  }
  if (options.principalsJson) return { principals: parsePrincipals(options.principalsJson, 'COUNTERSIGN_PRINCIPALS'), demo: false };
  if (!options.embedded) {
    throw new ConfigError('no principals configured: set COUNTERSIGN_PRINCIPALS_FILE or COUNTERSIGN_PRINCIPALS (demo principals exist only on the embedded default)');
  }
  const { principals, file, created } = await demoPrincipals(options.dataDir);
  // Tokens reach the log once, when they are made; later starts point at the file instead.
  if (!created) {
    options.log(`using the demo principals in ${file} (their tokens are in that file)`);
    return { principals, demo: true };
  }
  options.log(`created demo principals in ${file}; their tokens are shown this once:`);
  for (const principal of principals) options.log(`  ${principal.id.padEnd(11)} ${principal.kind.padEnd(8)} ${principal.roles.join(',').padEnd(16)} ${principal.token}`);
  return { principals, demo: true };
}
