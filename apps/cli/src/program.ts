import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { createCountersignClient, DEFAULT_BASE_URL } from '@countersign/client';
import { Command, CommanderError, Option } from 'commander';
import { approve } from './commands/approve.js';
import { batch } from './commands/batch.js';
import { batchStatus } from './commands/batch-status.js';
import { cancel } from './commands/cancel.js';
import type { CommandContext, CommandOutput } from './commands/command.js';
import { contracts } from './commands/contracts.js';
import { diff } from './commands/diff.js';
import { exportMutations } from './commands/export.js';
import { history } from './commands/history.js';
import { list } from './commands/list.js';
import { login } from './commands/login.js';
import { pending } from './commands/pending.js';
import { plan } from './commands/plan.js';
import { reject } from './commands/reject.js';
import { revert } from './commands/revert.js';
import { state } from './commands/state.js';
import { status } from './commands/status.js';
import { submit } from './commands/submit.js';
import { validate } from './commands/validate.js';
import { watch } from './commands/watch.js';
import { keepPosition, positionsPath, recallPosition } from './config/positions.js';
import { configPath } from './config/profiles.js';
import { connectionFor, type Connection, type GlobalOptions } from './connection.js';
import { EXIT_CODE_MEANINGS, EXIT_CODES, type ExitCode } from './exit-codes.js';
import { failureOutput, UsageError } from './failures.js';
import { durationFlag, repeatable } from './input/values.js';
import { colorsWanted, createStyle } from './output/style.js';

/** What the CLI runs against: the process's, or a test's. */
export interface Io {
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The fetch of the API client (default the global one). */
  fetch?: (request: Request) => Promise<Response>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How often waiting commands read again (default 500 ms). */
  pollIntervalMs?: number;
  /** Keep the position of writes for the reads of later invocations (default true; config/positions.ts). */
  rememberPositions?: boolean;
}

/** The CLI's version: its package's (src/ and dist/ both sit next to package.json). */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const HELP_AFTER = `
Connection (first found wins): --url/--token; the profile named by --profile or
COUNTERSIGN_PROFILE; COUNTERSIGN_URL/COUNTERSIGN_TOKEN; the default profile of the config file
(COUNTERSIGN_CONFIG, else $XDG_CONFIG_HOME/countersign/config.json, else
~/.config/countersign/config.json, written by countersign login); ${DEFAULT_BASE_URL}.

--json prints exactly the API's JSON answer (one line), also for errors.

Exit codes:
${EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}

Docs: docs/cli.md`;

/** Runs `countersign <argv>` and answers its exit code; never exits the process itself. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT_CODES.success;
  const program = buildProgram(io, async (command, body, connection) => {
    exitCode = await execute(io, command, body, connection);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_CODES.success;
    // Commander has written its message (and the usage) to stderr already.
    return EXIT_CODES.usage;
  }
  return exitCode;
}

type Body = (context: CommandContext) => Promise<CommandOutput>;
type Execute = (command: Command, body: Body, connection?: Connection) => Promise<void>;

/** Runs one command's body with its connection and prints what it returns. */
async function execute(io: Io, command: Command, body: Body, fixedConnection?: Connection): Promise<ExitCode> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const style = createStyle(colorsWanted(io.stdout.isTTY === true, io.env));
  const json = globals.json === true;
  let baseUrl = globals.url ?? io.env.COUNTERSIGN_URL ?? DEFAULT_BASE_URL;
  let output: CommandOutput;
  try {
    const connection = fixedConnection ?? (await connectionFor(globals, io.env, configPath(io.env)));
    baseUrl = connection.baseUrl;
    const client = createCountersignClient({ baseUrl: connection.baseUrl, ...(connection.token !== undefined ? { token: connection.token } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) });
    const positions = io.rememberPositions === false || fixedConnection ? undefined : positionsPath(io.env);
    const recalled = positions ? await recallPosition(positions, connection.baseUrl, client) : 0;
    const context: CommandContext = {
      client,
      style,
      json,
      progress: (line) => {
        if (!json) io.stdout.write(`${line}\n`);
      },
      stdout: io.stdout,
      stderr: { isTTY: io.stderr.isTTY === true, write: (text) => void io.stderr.write(text) },
      now: io.now ?? Date.now,
      sleep: io.sleep ?? ((ms) => delay(ms)),
      pollIntervalMs: io.pollIntervalMs ?? 500,
    };
    try {
      output = await body(context);
    } finally {
      if (positions) await keepPosition(positions, connection.baseUrl, client, recalled);
    }
  } catch (error) {
    output = failureOutput(error, baseUrl, style);
  }
  if (json) {
    if (output.json !== undefined) io.stdout.write(`${JSON.stringify(output.json)}\n`);
  } else if (output.text !== '') {
    io.stdout.write(`${output.text}\n`);
  }
  if (output.message !== undefined) io.stderr.write(`countersign: ${output.message}\n`);
  if (output.detail !== undefined && !json) io.stderr.write(`${output.detail}\n`);
  return output.exitCode;
}

/** The options every submit-like command takes (plan and submit share them, so the same flags give the same plan). */
function envelopeOptions(command: Command): Command {
  return command
    .option('--payload <json>', 'the payload: a JSON object, or @file.json')
    .option('--set <path=value>', 'set one payload field (dot paths nest; JSON values, else a string); repeatable', repeatable)
    .option('--expected-version <n>', "optimistic concurrency: the state's version this change is based on")
    .option('--tag <tag>', "a tag added to the contract's; repeatable", repeatable)
    .option('--metadata <key=value>', 'metadata; repeatable', repeatable)
    .option('--blast-radius <n>', 'the estimated blast radius')
    .option('--category <category>', "overrides the contract's category")
    .option('--risk <level>', 'raise the risk level: low, medium, high, critical')
    .option('--severity <level>', 'raise the side-effect severity: none, low, medium, high')
    .option('--reason <text>', 'why (searchable with list --q)')
    .option('--depends-on <mutationId>', 'wait until this mutation is applied; repeatable', repeatable)
    .option('--dependency-timeout <duration>', 'how long to wait for --depends-on (30s, 15m, 2h)')
    .option('--not-before <time>', 'apply no earlier than this ISO 8601 time');
}

/** The filter flags of GET /v1/mutations, shared by list and export. */
function filterOptions(command: Command): Command {
  return command
    .option('--actor <id>', 'requested by this principal')
    .option('--actor-kind <kind>', 'human, service or agent')
    .option('--status <status>', 'pending, applied, denied, rejected, expired, cancelled, conflicted, failed, compensated')
    .option('--state-type <type>', 'of this contract')
    .option('--state-id <id>', 'of this state')
    .option('--transition <name>', 'this transition')
    .option('--category <category>', 'this category')
    .option('--risk <level>', 'this risk level')
    .option('--severity <level>', 'this side-effect severity')
    .option('--tag <tag>', 'has any of these tags; repeatable', repeatable)
    .option('--tags <tags>', 'has all of these tags (comma-separated or repeated)', repeatable)
    .option('--metadata <key=value>', 'metadata key equals value; repeatable', repeatable)
    .option('--blast-min <n>', 'estimated blast radius at least')
    .option('--blast-max <n>', 'estimated blast radius at most')
    .option('--from <time>', 'requested (or --time-field applied) at or after this ISO 8601 time')
    .option('--to <time>', 'before this ISO 8601 time')
    .option('--time-field <field>', 'what --from/--to compare: requested (default) or applied')
    .option('--q <text>', 'text in the reason');
}

function timeoutOf(flag: string | undefined): number | undefined {
  return flag === undefined ? undefined : durationFlag('--timeout', flag);
}

/** The commander program: every command, its arguments and flags, and the help. */
function buildProgram(io: Io, execute: Execute): Command {
  const program = new Command('countersign')
    .description('Plan, apply, approve and audit governed changes through the Countersign API.')
    .version(VERSION, '-V, --version', 'the version of countersign')
    .option('--json', "print exactly the API's JSON answer")
    .option('--url <url>', `the API (default COUNTERSIGN_URL, the profile's, or ${DEFAULT_BASE_URL})`)
    .option('--token <token>', "the bearer token (default COUNTERSIGN_TOKEN or the profile's)")
    .option('--profile <name>', 'a profile saved by countersign login (default COUNTERSIGN_PROFILE or the default profile)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .showHelpAfterError('(countersign --help lists the commands and options)')
    .addHelpText('after', HELP_AFTER);

  program
    .command('contracts')
    .description('the registered contracts, their transitions and payload schemas')
    .argument('[stateType]', 'only this contract, with its full JSON Schemas')
    .action((stateType: string | undefined, _options, command: Command) => execute(command, (context) => contracts({ stateType }, context)));

  envelopeOptions(
    program
      .command('plan')
      .description('a dry run: the diff, the decision with each policy, the requirements and the plan hash; records nothing')
      .argument('<stateType>')
      .argument('<stateId>')
      .argument('<transition>'),
  ).action((stateType: string, stateId: string, transition: string, options, command: Command) => execute(command, (context) => plan({ stateType, stateId, transition }, options, context)));

  envelopeOptions(
    program
      .command('submit')
      .alias('apply')
      .description('record a mutation: applied, pending for its requirements, or denied')
      .argument('<stateType>')
      .argument('<stateId>')
      .argument('<transition>'),
  )
    .option('--plan-hash <hash>', 'apply exactly this plan (the plan hash of countersign plan); 409 plan_changed otherwise')
    .option('--idempotency-key <key>', 'a retry with the same key gets the first answer')
    .option('--wait', 'wait until it is no longer pending, showing its events')
    .option('--timeout <duration>', 'how long --wait waits', '60s')
    .action((stateType: string, stateId: string, transition: string, options, command: Command) =>
      execute(command, (context) => submit({ stateType, stateId, transition }, { ...options, timeoutMs: timeoutOf(options.timeout) }, context)),
    );

  program
    .command('status')
    .description("a mutation's record and timeline")
    .argument('<mutationId>')
    .action((mutationId: string, _options, command: Command) => execute(command, (context) => status(mutationId, context)));

  program
    .command('watch')
    .description('the timeline as it grows, until the mutation is no longer pending')
    .argument('<mutationId>')
    .option('--timeout <duration>', 'give up after this long (exit 5)')
    .action((mutationId: string, options: { timeout?: string }, command: Command) => execute(command, (context) => watch(mutationId, { timeoutMs: timeoutOf(options.timeout) }, context)));

  program
    .command('pending')
    .description('what you may approve now')
    .action((_options, command: Command) => execute(command, (context) => pending(context)));

  program
    .command('approve')
    .description('approve the current step of a pending mutation')
    .argument('<mutationId>')
    .option('--comment <text>', 'recorded with the approval')
    .action((mutationId: string, options: { comment?: string }, command: Command) => execute(command, (context) => approve(mutationId, options, context)));

  program
    .command('reject')
    .description('reject a pending mutation')
    .argument('<mutationId>')
    .option('--comment <text>', 'recorded with the rejection')
    .action((mutationId: string, options: { comment?: string }, command: Command) => execute(command, (context) => reject(mutationId, options, context)));

  program
    .command('cancel')
    .description('cancel a pending mutation (its requester or an admin)')
    .argument('<mutationId>')
    .option('--reason <text>', 'why')
    .action((mutationId: string, options: { reason?: string }, command: Command) => execute(command, (context) => cancel(mutationId, options, context)));

  program
    .command('revert')
    .description('undo an applied mutation with a governed compensating mutation')
    .argument('<mutationId>')
    .requiredOption('--reason <text>', 'why (required: it is recorded)')
    .option('--compensate-later', 'also undo the later changes of the same paths, newest first, in one atomic batch')
    .action((mutationId: string, options: { reason: string; compensateLater?: boolean }, command: Command) => execute(command, (context) => revert(mutationId, options, context)));

  filterOptions(program.command('list').description('mutations, newest first, filtered'))
    .option('--limit <n>', 'items per page')
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'follow the cursors to the last page')
    .action((options, command: Command) => execute(command, (context) => list(options, context)));

  program
    .command('state')
    .description('the document of a state and its version')
    .argument('<stateType>')
    .argument('<stateId>')
    .action((stateType: string, stateId: string, _options, command: Command) => execute(command, (context) => state(stateType, stateId, context)));

  program
    .command('history')
    .description('every applied change of a state')
    .argument('<stateType>')
    .argument('<stateId>')
    .action((stateType: string, stateId: string, _options, command: Command) => execute(command, (context) => history(stateType, stateId, context)));

  program
    .command('diff')
    .description('what changed in a state between two versions')
    .argument('<stateType>')
    .argument('<stateId>')
    .option('--from <version>', 'the version before (0: before it existed)', '0')
    .option('--to <version>', 'the version after (default the latest)')
    .action((stateType: string, stateId: string, options: { from?: string; to?: string }, command: Command) => execute(command, (context) => diff(stateType, stateId, options, context)));

  const batchCommand = program
    .command('batch')
    .description('submit the batch in a JSON file ({ mode, mutations } or an array of mutations); batch status <id> shows one')
    .argument('<file>', 'the batch, as JSON')
    .addOption(new Option('--mode <mode>', "atomic or independent (default the file's, else atomic)").choices(['atomic', 'independent']))
    .option('--reason <text>', 'why')
    .option('--wait', 'wait until the batch has settled')
    .option('--timeout <duration>', 'how long --wait waits', '60s')
    .action((file: string, options: { mode?: string; reason?: string; wait?: boolean; timeout?: string }, command: Command) =>
      execute(command, (context) => batch(file, { ...options, timeoutMs: timeoutOf(options.timeout) }, context)),
    );
  batchCommand
    .command('status')
    .description('a batch and each of its steps')
    .argument('<batchId>')
    .action((batchId: string, _options, command: Command) => execute(command, (context) => batchStatus(batchId, context)));

  filterOptions(program.command('export').description('every matching mutation as NDJSON or CSV, streamed; a progress line on a terminal'))
    .addOption(new Option('--format <format>', 'ndjson or csv').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--out <file>', 'write to this file (default stdout)')
    .action((options, command: Command) => execute(command, (context) => exportMutations(options, context)));

  program
    .command('validate')
    .description('load contract modules offline and report every problem with its location (exit 0 when valid)')
    .argument('<moduleOrFolder>', 'a contract module (.ts .mts .js .mjs) or a folder of them')
    .action((target: string, _options, command: Command) => execute(command, (context) => validate(target, context.style), { baseUrl: DEFAULT_BASE_URL }));

  program
    .command('login')
    .description('save a profile (url and token) in the config file, mode 0600, and make it the default')
    .option('--no-verify', 'save without checking the token against the server')
    .action((options: { verify: boolean }, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      if (globals.url === undefined || globals.token === undefined) {
        return execute(command, () => Promise.reject(new UsageError('login needs --url <url> and --token <token>')), { baseUrl: DEFAULT_BASE_URL });
      }
      const url = globals.url.replace(/\/+$/, '');
      return execute(command, (context) => login({ url, token: globals.token as string, profile: globals.profile ?? 'default', configFile: configPath(io.env), verify: options.verify }, context), { baseUrl: url, token: globals.token });
    });

  return program;
}
