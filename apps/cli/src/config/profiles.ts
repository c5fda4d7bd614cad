import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../failures.js';

/** Where a named profile points, and with which token. */
export interface Profile {
  url: string;
  token: string;
}

/** The config file: named profiles, one of them the default. */
export interface ConfigFile {
  defaultProfile?: string;
  profiles: Record<string, Profile>;
}

/** COUNTERSIGN_CONFIG, else $XDG_CONFIG_HOME/countersign/config.json, else ~/.config/countersign/config.json. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.COUNTERSIGN_CONFIG) return path.resolve(env.COUNTERSIGN_CONFIG);
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'countersign', 'config.json');
}

/** The config file's profiles; none when it does not exist. */
export async function readConfig(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { profiles: {} };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`the config file ${file} is not JSON; fix it or run countersign login again`);
  }
  const config = parsed as Partial<ConfigFile>;
  if (!config || typeof config !== 'object' || typeof config.profiles !== 'object' || config.profiles === null) {
    throw new UsageError(`the config file ${file} has no "profiles" object; fix it or run countersign login again`);
  }
  return { ...(typeof config.defaultProfile === 'string' ? { defaultProfile: config.defaultProfile } : {}), profiles: config.profiles };
}

/**
 * Saves a profile and makes it the default. The file holds tokens: it is written with mode 0600
 * (its folder 0700) and replaced in one rename, so no reader sees half of it.
 */
export async function saveProfile(file: string, name: string, profile: Profile): Promise<ConfigFile> {
  const config = await readConfig(file);
  const updated: ConfigFile = { defaultProfile: name, profiles: { ...config.profiles, [name]: profile } };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(updated, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
  return updated;
}
