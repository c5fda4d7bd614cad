import { unwrap } from '@countersign/client';
import { saveProfile } from '../config/profiles.js';
import { EXIT_CODES } from '../exit-codes.js';
import type { CommandContext, CommandOutput } from './command.js';

export interface LoginOptions {
  url: string;
  token: string;
  profile: string;
  configFile: string;
  /** Check the token against the server before saving it (default). */
  verify: boolean;
}

/**
 * `countersign login --url … --token … [--profile name]`: saves a named profile (and makes it the
 * default) in the config file, mode 0600. The token is checked first with a request only an
 * authenticated caller may make; a refused token is not saved.
 */
export async function login(options: LoginOptions, context: CommandContext): Promise<CommandOutput> {
  if (options.verify) unwrap(await context.client.GET('/v1/approvals/pending', { params: { query: { limit: 1 } } }));
  await saveProfile(options.configFile, options.profile, { url: options.url, token: options.token });
  return {
    json: { profile: options.profile, url: options.url, configFile: options.configFile, verified: options.verify },
    text: `Saved profile ${options.profile} (${options.url}) in ${options.configFile}; it is the default now.`,
    exitCode: EXIT_CODES.success,
  };
}
