import { DEFAULT_BASE_URL } from '@countersign/client';
import { readConfig, type ConfigFile } from './config/profiles.js';
import { UsageError } from './failures.js';

/** The options every command takes. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  profile?: string;
  json?: boolean;
}

export interface Connection {
  baseUrl: string;
  token?: string;
  /** The profile it came from, if any. */
  profile?: string;
}

/**
 * Where to connect and as whom, first found wins: --url / --token; the profile named by
 * --profile or COUNTERSIGN_PROFILE; COUNTERSIGN_URL / COUNTERSIGN_TOKEN; the config file's
 * default profile; http://127.0.0.1:3000 without a token.
 */
export function resolveConnection(options: GlobalOptions, env: Readonly<Record<string, string | undefined>>, config: ConfigFile, configFile: string): Connection {
  const named = options.profile ?? (env.COUNTERSIGN_PROFILE || undefined);
  if (named !== undefined && !Object.hasOwn(config.profiles, named)) {
    throw new UsageError(`no profile "${named}" in ${configFile}; add it with: countersign login --profile ${named} --url <url> --token <token>`);
  }
  const chosen = named === undefined ? undefined : config.profiles[named];
  const fallbackName = config.defaultProfile !== undefined && Object.hasOwn(config.profiles, config.defaultProfile) ? config.defaultProfile : undefined;
  const fallback = fallbackName === undefined ? undefined : config.profiles[fallbackName];
  const baseUrl = options.url ?? chosen?.url ?? (env.COUNTERSIGN_URL || undefined) ?? fallback?.url ?? DEFAULT_BASE_URL;
  const token = options.token ?? chosen?.token ?? (env.COUNTERSIGN_TOKEN || undefined) ?? fallback?.token;
  const profile = named ?? (options.url === undefined && !env.COUNTERSIGN_URL ? fallbackName : undefined);
  return { baseUrl: baseUrl.replace(/\/+$/, ''), ...(token !== undefined ? { token } : {}), ...(profile !== undefined ? { profile } : {}) };
}

export async function connectionFor(options: GlobalOptions, env: Readonly<Record<string, string | undefined>>, configFile: string): Promise<Connection> {
  return resolveConnection(options, env, await readConfig(configFile), configFile);
}
