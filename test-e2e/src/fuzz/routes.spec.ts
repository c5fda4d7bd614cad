import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES } from './routes.js';

const apiSources = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/api/src');

/** `GET /v1/mutations/:id` for every @Get/@Post of every controller under apps/api/src. */
function declaredRoutes(): string[] {
  const files = readdirSync(apiSources, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.controller.ts'));
  return files.flatMap((file) => {
    const source = readFileSync(path.join(apiSources, file), 'utf8');
    return [...source.matchAll(/@Controller\((?:'([^']*)')?\)([\s\S]*?)(?=@Controller\(|$)/g)].flatMap(([, prefix = '', body = '']) =>
      [...body.matchAll(/@(Get|Post|Put|Patch|Delete)\((?:'([^']*)')?\)/g)].map(([, method = '', route = '']) => `${method.toUpperCase()} /${[prefix, route].filter(Boolean).join('/')}`),
    );
  });
}

describe('the fuzzer route list', () => {
  it('holds every route the API controllers declare, and no other', () => {
    const declared = declaredRoutes();
    expect(declared.length).toBeGreaterThan(20);
    expect(ROUTES.map((spec) => `${spec.method} ${spec.route}`).sort()).toEqual([...new Set(declared)].sort());
  });
});
