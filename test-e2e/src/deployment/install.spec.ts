import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { FileTypeValidator } from '@nestjs/common';
import Fastify from 'fastify';

/**
 * README.md promises "Node.js ≥ 20.19 and npm ≥ 10": `npm install` must not warn that a locked
 * package wants more. Two transitive dependencies do in their newest versions; package.json
 * `overrides` pins older ones (docs/operations.md#installing), and the code paths that use them
 * must still work.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

interface LockedPackage {
  version?: string;
  engines?: Record<string, string> | string[];
}

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string; npm: string } };
const lockfile = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };

describe('installing on the Node.js and npm versions the README promises', () => {
  it('states in package.json engines the Node.js and npm versions the README names', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(manifest.engines).toEqual({ node: '>=20.19', npm: '>=10' });
    expect(readme).toContain('Node.js ≥ 20.19 and npm ≥ 10');
  });

  it('locks only packages whose engines accept the oldest Node.js and npm that package.json allows', () => {
    const oldest = { node: semver.minVersion(manifest.engines.node)?.version ?? '', npm: semver.minVersion(manifest.engines.npm)?.version ?? '' };
    expect(oldest).toEqual({ node: '20.19.0', npm: '10.0.0' });
    const refusing = Object.entries(lockfile.packages).flatMap(([location, locked]) => {
      if (location === '' || !locked.engines || Array.isArray(locked.engines)) return [];
      return (['node', 'npm'] as const)
        .filter((engine) => locked.engines && !Array.isArray(locked.engines) && locked.engines[engine] && !semver.satisfies(oldest[engine], locked.engines[engine]))
        .map((engine) => `${location}@${locked.version}: ${engine} ${(locked.engines as Record<string, string>)[engine]}`);
    });
    expect(refusing).toEqual([]);
  });

  it('still sends cookies through fastify inject, on the cookie 1.x pinned for light-my-request', async () => {
    const app = Fastify();
    app.get('/', async (request) => ({ cookie: request.headers.cookie ?? null }));
    const response = await app.inject({ method: 'GET', url: '/', cookies: { session: 'a b;c' } });
    await app.close();
    expect(response.json()).toEqual({ cookie: 'session=a%20b%3Bc' });
  });

  it("still detects a file's type by its magic numbers in Nest's FileTypeValidator, on the file-type 21 pinned for @nestjs/common", async () => {
    const onePixelPng = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63fcffff3f0005fe02fea7d6a4f20000000049454e44ae426082',
      'hex',
    );
    const validator = new FileTypeValidator({ fileType: 'image/png' });
    expect(await validator.isValid({ buffer: onePixelPng, mimetype: 'image/png', size: onePixelPng.length } as never)).toBe(true);
    const text = Buffer.from('plain text that claims to be a picture');
    expect(await validator.isValid({ buffer: text, mimetype: 'image/png', size: text.length } as never)).toBe(false);
  });
});
