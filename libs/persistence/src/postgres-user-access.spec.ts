import { describe, expect, it } from '@jest/globals';
import { DataDirectoryUnreachableError, firstBlockingFolder, foldersOnTheWay, type FolderPermissions } from './postgres-user-access.js';

const postgres = { uid: 999, gid: 999 };
const root = { uid: 0, gid: 0 };

function folder(path: string, mode: number, owner = root): FolderPermissions {
  return { path, mode: 0o040000 | mode, ...owner };
}

describe('foldersOnTheWay', () => {
  it('lists every folder from the root down to the folder itself', () => {
    expect(foldersOnTheWay('/work/ci/.countersign')).toEqual(['/', '/work', '/work/ci', '/work/ci/.countersign']);
    expect(foldersOnTheWay('/')).toEqual(['/']);
  });
});

describe('firstBlockingFolder', () => {
  it('finds nothing when every folder lets others search it', () => {
    expect(firstBlockingFolder([folder('/', 0o755), folder('/srv', 0o711), folder('/srv/data', 0o701)], postgres)).toBeUndefined();
  });

  it('names the outermost folder a root-owned 0700 keeps the server user out of', () => {
    const blocked = firstBlockingFolder([folder('/', 0o755), folder('/root', 0o700), folder('/root/ci', 0o700), folder('/root/ci/data', 0o755)], postgres);
    expect(blocked?.path).toBe('/root');
  });

  it("judges a folder the user owns by the owner's bits and one of its group by the group's bits", () => {
    expect(firstBlockingFolder([folder('/', 0o755), folder('/var/pg', 0o700, postgres)], postgres)).toBeUndefined();
    expect(firstBlockingFolder([folder('/', 0o755), folder('/var/pg', 0o070, postgres)], postgres)?.path).toBe('/var/pg');
    expect(firstBlockingFolder([folder('/', 0o755), folder('/shared', 0o710, { uid: 0, gid: postgres.gid })], postgres)).toBeUndefined();
    expect(firstBlockingFolder([folder('/', 0o755), folder('/shared', 0o701, { uid: 0, gid: postgres.gid })], postgres)?.path).toBe('/shared');
  });
});

describe('DataDirectoryUnreachableError', () => {
  it('names the user, the data folder, the folder in the way and its mode in one line', () => {
    const error = new DataDirectoryUnreachableError('/root/ci/data', '/root', 'postgres', 0o040700);
    expect(error.message).toBe('PostgreSQL runs as the system user "postgres", which cannot reach /root/ci/data: /root (mode 0700) does not let it through');
    expect(error.message).not.toContain('\n');
  });
});
