import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError } from '../config/duration.js';
import { DEMO_PRINCIPALS, PrincipalDirectory, demoPrincipals, loadPrincipals, parsePrincipals, type Principal } from './principals.js';

const alice: Principal = { token: 'alice-token-0123456789', id: 'alice', kind: 'human', roles: ['operator'] };
const deployBot: Principal = { token: 'deploy-bot-token-abcdef', id: 'deploy-bot', kind: 'service', roles: ['operator', 'release-manager'] };

function expectConfigError(attempt: () => unknown, message: string | RegExp): void {
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(message);
}

describe('parsePrincipals', () => {
  it('accepts a JSON array of principals', () => {
    expect(parsePrincipals(JSON.stringify([alice, deployBot]), 'principals.json')).toEqual([alice, deployBot]);
  });

  it('accepts an object with a principals array', () => {
    expect(parsePrincipals(JSON.stringify({ principals: [alice] }), 'principals.json')).toEqual([alice]);
  });

  it('accepts an empty list and principals without roles', () => {
    expect(parsePrincipals('[]', 'X')).toEqual([]);
    expect(parsePrincipals(JSON.stringify([{ ...alice, roles: [] }]), 'X')).toEqual([{ ...alice, roles: [] }]);
  });

  it('drops fields it does not know', () => {
    expect(parsePrincipals(JSON.stringify([{ ...alice, comment: 'on call' }]), 'X')).toEqual([alice]);
  });

  it('refuses text that is not JSON and names where it came from', () => {
    expectConfigError(() => parsePrincipals('[{ token: ', 'COUNTERSIGN_PRINCIPALS'), /^COUNTERSIGN_PRINCIPALS is not valid JSON: /);
  });

  it.each(['{}', '{"principals": {}}', '"alice"', 'null', '42'])('refuses the document %s that holds no list', (json) => {
    expectConfigError(() => parsePrincipals(json, 'COUNTERSIGN_PRINCIPALS'), 'COUNTERSIGN_PRINCIPALS must be a JSON array of { token, id, kind, roles }');
  });

  it.each([
    ['an entry that is not an object', 'null', 'X[1] must be an object'],
    ['an entry that is an array', '[]', 'X[1] must be an object'],
    ['a token shorter than 16 characters', JSON.stringify({ ...deployBot, token: '123456789012345' }), 'X[1].token must be a string of at least 16 characters'],
    ['a token that is not a string', JSON.stringify({ ...deployBot, token: 1234567890123456789 }), 'X[1].token must be a string of at least 16 characters'],
    ['a missing id', JSON.stringify({ ...deployBot, id: undefined }), 'X[1].id must be a non-empty string'],
    ['a blank id', JSON.stringify({ ...deployBot, id: '  ' }), 'X[1].id must be a non-empty string'],
    ['an unknown kind', JSON.stringify({ ...deployBot, kind: 'robot' }), 'X[1].kind must be one of human, service, agent'],
    ['roles that are not an array', JSON.stringify({ ...deployBot, roles: 'operator' }), 'X[1].roles must be an array of strings'],
    ['a role that is not a string', JSON.stringify({ ...deployBot, roles: ['operator', 7] }), 'X[1].roles must be an array of strings'],
    ['a token already used by an earlier principal', JSON.stringify({ ...deployBot, token: alice.token }), 'X[1].token is used by another principal'],
  ])('refuses %s, naming the index and field', (_problem, secondEntry, message) => {
    expectConfigError(() => parsePrincipals(`[${JSON.stringify(alice)}, ${secondEntry}]`, 'X'), message);
  });

  it('names the index inside a { principals } document too', () => {
    expectConfigError(() => parsePrincipals(JSON.stringify({ principals: [{ ...alice, kind: 'robot' }] }), 'file.json'), 'file.json[0].kind must be one of');
  });
});

describe('PrincipalDirectory', () => {
  const directory = new PrincipalDirectory([alice, deployBot]);

  it('authenticates a known token as its actor, without the token', () => {
    expect(directory.authenticate(alice.token)).toEqual({ id: 'alice', kind: 'human', roles: ['operator'] });
    expect(directory.authenticate(deployBot.token)).toEqual({ id: 'deploy-bot', kind: 'service', roles: ['operator', 'release-manager'] });
  });

  it('rejects unknown tokens, prefixes, extensions and the empty token', () => {
    expect(directory.authenticate('someone-elses-token-123')).toBeUndefined();
    expect(directory.authenticate(alice.token.slice(0, -1))).toBeUndefined();
    expect(directory.authenticate(`${alice.token}x`)).toBeUndefined();
    expect(directory.authenticate(alice.token.toUpperCase())).toBeUndefined();
    expect(directory.authenticate('')).toBeUndefined();
  });

  it('counts its principals', () => {
    expect(directory.size).toBe(2);
    expect(new PrincipalDirectory([]).size).toBe(0);
  });
});

describe('principals on disk', () => {
  let workDir: string;
  const silent = () => undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-principals-'));
  });

  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** A data folder that does not exist yet. */
  function freshDir(name: string): string {
    return path.join(workDir, name);
  }

  describe('demoPrincipals', () => {
    it('creates principals.json (mode 0600) with one random token per demo principal on first call', async () => {
      const dataDir = freshDir('first-call/nested');
      const { principals, file, created } = await demoPrincipals(dataDir);
      expect(created).toBe(true);
      expect(file).toBe(path.join(dataDir, 'principals.json'));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(principals.map(({ token: _token, ...actor }) => actor)).toEqual(DEMO_PRINCIPALS);
      expect(new Set(principals.map((principal) => principal.token)).size).toBe(DEMO_PRINCIPALS.length);
      for (const principal of principals) expect(principal.token).toMatch(new RegExp(`^cs_${principal.id}_[A-Za-z0-9_-]{24}$`));
      expect(parsePrincipals(await readFile(file, 'utf8'), file)).toEqual(principals);
    });

    it('returns the same tokens on the second call without rewriting the file', async () => {
      const dataDir = freshDir('second-call');
      const first = await demoPrincipals(dataDir);
      const before = await stat(first.file);
      const second = await demoPrincipals(dataDir);
      expect(second.created).toBe(false);
      expect(second.file).toBe(first.file);
      expect(second.principals).toEqual(first.principals);
      expect((await stat(second.file)).mtimeMs).toBe(before.mtimeMs);
    });

    it('gives each data folder its own tokens', async () => {
      const one = await demoPrincipals(freshDir('one'));
      const other = await demoPrincipals(freshDir('other'));
      expect(one.principals[0]?.token).not.toBe(other.principals[0]?.token);
    });

    it('reports a damaged principals.json, naming the file', async () => {
      const dataDir = freshDir('damaged');
      const { file } = await demoPrincipals(dataDir);
      await writeFile(file, '[{"token":"short"}]');
      await expect(demoPrincipals(dataDir)).rejects.toThrow(`${file}[0].token must be a string of at least 16 characters`);
    });
  });

  describe('loadPrincipals', () => {
    it('prefers COUNTERSIGN_PRINCIPALS_FILE over COUNTERSIGN_PRINCIPALS and the demo principals', async () => {
      const file = path.join(workDir, 'from-file.json');
      await writeFile(file, JSON.stringify({ principals: [alice] }));
      const dataDir = freshDir('unused-by-file');
      const loaded = await loadPrincipals({ principalsFile: file, principalsJson: JSON.stringify([deployBot]), dataDir, embedded: true, log: silent });
      expect(loaded).toEqual({ principals: [alice], demo: false });
      await expect(stat(dataDir)).rejects.toThrow('ENOENT');
    });

    it('names the file in its errors', async () => {
      const file = path.join(workDir, 'bad-kind.json');
      await writeFile(file, JSON.stringify([{ ...alice, kind: 'robot' }]));
      await expect(loadPrincipals({ principalsFile: file, dataDir: workDir, embedded: true, log: silent })).rejects.toThrow(`${file}[0].kind must be one of`);
    });

    it('reports a principals file it cannot read as a ConfigError naming COUNTERSIGN_PRINCIPALS_FILE', async () => {
      const file = path.join(workDir, 'missing.json');
      const loading = loadPrincipals({ principalsFile: file, dataDir: workDir, embedded: true, log: silent });
      await expect(loading).rejects.toThrow(ConfigError);
      // Under Jest's VM the fs error comes from another realm, so the message may carry an "Error: " prefix.
      await expect(loadPrincipals({ principalsFile: file, dataDir: workDir, embedded: true, log: silent })).rejects.toThrow(
        new RegExp(`^COUNTERSIGN_PRINCIPALS_FILE ${file} cannot be read: (Error: )?ENOENT`),
      );
    });

    it('uses COUNTERSIGN_PRINCIPALS when no file is set, also with an external database', async () => {
      const dataDir = freshDir('unused-by-json');
      const loaded = await loadPrincipals({ principalsJson: JSON.stringify([deployBot]), dataDir, embedded: false, log: silent });
      expect(loaded).toEqual({ principals: [deployBot], demo: false });
      await expect(stat(dataDir)).rejects.toThrow('ENOENT');
    });

    it('names COUNTERSIGN_PRINCIPALS in its errors', async () => {
      await expect(loadPrincipals({ principalsJson: '[1]', dataDir: workDir, embedded: true, log: silent })).rejects.toThrow('COUNTERSIGN_PRINCIPALS[0] must be an object');
    });

    it('falls back to the demo principals on the embedded default and logs their tokens when it creates them', async () => {
      const dataDir = freshDir('embedded-demo');
      const lines: string[] = [];
      const { principals, demo } = await loadPrincipals({ dataDir, embedded: true, log: (line) => lines.push(line) });
      expect(demo).toBe(true);
      expect(principals.map((principal) => principal.id)).toEqual(DEMO_PRINCIPALS.map((principal) => principal.id));
      expect(lines[0]).toBe(`created demo principals in ${path.join(dataDir, 'principals.json')}; their tokens are shown this once:`);
      expect(lines).toHaveLength(1 + DEMO_PRINCIPALS.length);
      for (const principal of principals) expect(lines.some((line) => line.includes(principal.id) && line.endsWith(principal.token))).toBe(true);
    });

    it('names the file of the demo principals on later starts, without their tokens', async () => {
      const dataDir = freshDir('embedded-demo-again');
      const { principals } = await loadPrincipals({ dataDir, embedded: true, log: silent });
      const again: string[] = [];
      expect(await loadPrincipals({ dataDir, embedded: true, log: (line) => again.push(line) })).toEqual({ principals, demo: true });
      expect(again).toEqual([`using the demo principals in ${path.join(dataDir, 'principals.json')} (their tokens are in that file)`]);
      for (const principal of principals) expect(again.join('\n')).not.toContain(principal.token);
    });

    it('refuses to invent principals for an external database', async () => {
      const dataDir = freshDir('external');
      const loading = loadPrincipals({ dataDir, embedded: false, log: silent });
      await expect(loading).rejects.toThrow(ConfigError);
      await expect(loadPrincipals({ dataDir, embedded: false, log: silent })).rejects.toThrow(
        'no principals configured: set COUNTERSIGN_PRINCIPALS_FILE or COUNTERSIGN_PRINCIPALS',
      );
      await expect(stat(dataDir)).rejects.toThrow('ENOENT');
    });
  });
});
