import { execFile } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** Who a process runs as, as far as file permissions go (spawned with uid/gid: no supplementary groups). */
export interface FileUser {
  uid: number;
  gid: number;
}

/** A folder on the way to the data folder, with what decides whether a user may pass through it. */
export interface FolderPermissions {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/** As root, the data folder must be reachable by the unprivileged user PostgreSQL runs as. */
export class DataDirectoryUnreachableError extends Error {
  constructor(
    readonly dataDir: string,
    readonly blockedFolder: string,
    readonly user: string,
    mode: number,
  ) {
    super(`PostgreSQL runs as the system user "${user}", which cannot reach ${dataDir}: ${blockedFolder} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}) does not let it through`);
    this.name = 'DataDirectoryUnreachableError';
  }
}

/**
 * The first folder (outermost first) `user` may not pass through, by the permission bits the
 * kernel checks: owner's if it owns the folder, else group's if the folder has its group, else
 * others'. ACLs are not consulted; callers use this to explain a failure, not to predict one.
 */
export function firstBlockingFolder(folders: readonly FolderPermissions[], user: FileUser): FolderPermissions | undefined {
  return folders.find((folder) => {
    const searchBit = folder.uid === user.uid ? 0o100 : folder.gid === user.gid ? 0o010 : 0o001;
    return (folder.mode & searchBit) === 0;
  });
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
export function foldersOnTheWay(folder: string): string[] {
  const resolved = path.resolve(folder);
  const folders = [resolved];
  for (let parent = path.dirname(resolved); parent !== folders[0]; parent = path.dirname(parent)) folders.unshift(parent);
  return folders;
}

const run = promisify(execFile);

function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The ids of a system user, or undefined when it does not exist. */
async function systemUser(name: string): Promise<FileUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/**
 * As root, lets others search the data folder itself (its `pg` cluster folder belongs to the
 * server's user). Only the execute bit is added, so a shared folder such as /tmp keeps its sticky
 * and write bits; the folders above it are never changed.
 */
export async function letServerUserThrough(dataDir: string): Promise<void> {
  if (!runningAsRoot()) return;
  const { mode } = await stat(dataDir);
  if ((mode & 0o001) === 0) await chmod(dataDir, (mode & 0o7777) | 0o001);
}

/** When the server failed to start as root, says which folder kept its user out, if one did. */
export async function explainUnreachableDataDir(dataDir: string, user: string): Promise<DataDirectoryUnreachableError | undefined> {
  if (!runningAsRoot()) return undefined;
  const ids = await systemUser(user);
  if (!ids) return undefined;
  const folders = await Promise.all(
    foldersOnTheWay(dataDir).map(async (folder) => {
      const stats = await stat(folder).catch(() => undefined);
      return stats && { path: folder, mode: stats.mode, uid: stats.uid, gid: stats.gid };
    }),
  );
  const blocked = firstBlockingFolder(folders.filter((folder) => folder !== undefined), ids);
  return blocked && new DataDirectoryUnreachableError(path.resolve(dataDir), blocked.path, user, blocked.mode);
}

/** As root, the PostgreSQL programs (inside node_modules) must be reachable by that user too: spawning them would crash otherwise. */
export class ServerProgramsUnreachableError extends Error {
  constructor(
    readonly programsDir: string,
    readonly blockedFolder: string,
    readonly user: string,
    mode: number,
  ) {
    super(
      `PostgreSQL runs as the system user "${user}", which cannot reach its programs in ${programsDir}: ${blockedFolder} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}) ` +
        `does not let it through; put the repository in a folder other users may enter, or run chmod o+x ${blockedFolder}`,
    );
    this.name = 'ServerProgramsUnreachableError';
  }
}

/** Before starting as root: the folder of the PostgreSQL programs, checked like the data folder (undefined when reachable or not root). */
export async function explainUnreachablePrograms(programsDir: string, user: string): Promise<ServerProgramsUnreachableError | undefined> {
  const blocked = await explainUnreachableDataDir(programsDir, user);
  return blocked && new ServerProgramsUnreachableError(blocked.dataDir, blocked.blockedFolder, user, (await stat(blocked.blockedFolder)).mode);
}
