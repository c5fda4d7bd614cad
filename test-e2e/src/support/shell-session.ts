import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ShellResult {
  stdout: string;
  stderr: string;
  /** Exit status of the block's last command. */
  status: number;
}

/**
 * One bash process that runs blocks of commands one after another, as a reader typing them into
 * one terminal would: variables, exports and functions of one block are there in the next.
 */
export class ShellSession {
  private stdout = '';
  private stderr = '';
  private blocks = 0;

  private constructor(
    private readonly shell: ChildProcessWithoutNullStreams,
    private readonly cwd: string,
  ) {
    shell.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    shell.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  static start(cwd: string, env: NodeJS.ProcessEnv): ShellSession {
    return new ShellSession(spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: 'pipe', detached: true }), cwd);
  }

  /** Runs the block (from a file, so a command that reads its input cannot eat the next block) and waits for it to end. */
  async run(commands: string, timeoutMs: number): Promise<ShellResult> {
    this.blocks += 1;
    const file = path.join(this.cwd, `.tour-block-${this.blocks}.sh`);
    await writeFile(file, commands);
    const marker = `block-done-${randomUUID()}`;
    this.stdout = '';
    this.stderr = '';
    this.shell.stdin.write(`source ${JSON.stringify(file)} < /dev/null\nprintf '\\n%s %s\\n' ${marker} $?\nprintf '\\n%s\\n' ${marker} >&2\n`);
    const deadline = Date.now() + timeoutMs;
    const ended = new RegExp(`\\n${marker} (\\d+)\\n`);
    for (;;) {
      const done = ended.exec(this.stdout);
      if (done && this.stderr.includes(`\n${marker}\n`)) {
        return { stdout: this.stdout.slice(0, done.index), stderr: this.stderr.slice(0, this.stderr.indexOf(`\n${marker}\n`)), status: Number(done[1]) };
      }
      if (this.shell.exitCode !== null) throw new Error(`bash exited (${this.shell.exitCode}) while running:\n${commands}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`still running after ${timeoutMs} ms:\n${commands}\nstdout so far: ${this.stdout}\nstderr so far: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ends bash and whatever it still runs (its own process group). */
  async close(): Promise<void> {
    if (this.shell.exitCode !== null || this.shell.signalCode !== null || this.shell.pid === undefined) return;
    const exited = new Promise((resolve) => this.shell.once('exit', resolve));
    process.kill(-this.shell.pid, 'SIGKILL');
    await exited;
  }
}
