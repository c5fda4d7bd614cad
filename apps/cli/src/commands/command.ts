import type { CountersignClient } from '@countersign/client';
import type { ExitCode } from '../exit-codes.js';
import type { Style } from '../output/style.js';

/** What a command runs with: the API client, the output style and the few effects it may have besides its answer. */
export interface CommandContext {
  client: CountersignClient;
  style: Style;
  /** True with --json: progress lines are not printed, the answer is the API's JSON. */
  json: boolean;
  /** A line people see while the command runs (a timeline growing, --wait's progress); not printed with --json. */
  progress(line: string): void;
  /** Where a command that streams writes its data (export without --out). */
  stdout: NodeJS.WritableStream;
  /** The terminal's stderr, for the export progress bar (only when it is a TTY). */
  stderr: { isTTY: boolean; write(text: string): void };
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** How often commands that wait read again (ms). */
  pollIntervalMs: number;
}

/** What a command prints: `json` with --json (the API's answer), `text` otherwise, and how it exits. */
export interface CommandOutput {
  json: unknown;
  text: string;
  exitCode: ExitCode;
  /** One line on stderr (a non-zero exit says why). */
  message?: string;
  /** More lines on stderr after the message (the violations of a refused request). */
  detail?: string;
}
