import { describe, expect, it } from '@jest/globals';
import { validPath } from './faults.js';
import { renderBody, renderCase, type FuzzCase } from './fuzz-case.js';
import { generateCases } from './fuzzer.js';
import { doc, renderJson } from './json-document.js';
import { ROUTES, type Targets } from './routes.js';

const targets: Targets = {
  flag: 'fuzz-flag',
  credit: 'fuzz-credit',
  appliedMutationId: '11111111-1111-4111-8111-111111111111',
  pendingMutationId: '22222222-2222-4222-8222-222222222222',
  pendingCheck: { mutationId: '33333333-3333-4333-8333-333333333333', name: 'security-scan' },
  pendingBatchId: '44444444-4444-4444-8444-444444444444',
  deliveryId: '55555555-5555-4555-8555-555555555555',
};
const cases = generateCases(targets, 20_261_208, 2_000);
/** More seeds for the properties every case must have: a rare case shows up in one of them. */
const manyCases = [1, 7, 42, 2_147_483_646].flatMap((seed) => generateCases(targets, seed, 2_500)).concat(cases);

describe('fuzz cases', () => {
  it('are the same for the same seed, and a longer run begins with the cases of a shorter one', () => {
    const strip = (list: FuzzCase[]) => JSON.stringify(list.map((fuzzCase) => ({ ...fuzzCase, body: fuzzCase.body && renderBody(fuzzCase.body).toString('base64') })));
    expect(strip(generateCases(targets, 7, 300))).toBe(strip(generateCases(targets, 7, 1_000).slice(0, 300)));
    expect(strip(generateCases(targets, 7, 300))).not.toBe(strip(generateCases(targets, 8, 300)));
  });

  it('reach every route with refused requests within the 2,000 of npm test', () => {
    const refused = new Set(cases.filter((fuzzCase) => fuzzCase.expect === 'refused').map((fuzzCase) => fuzzCase.route));
    expect([...refused].sort()).toEqual(ROUTES.map((spec) => `${spec.method} ${spec.route}`).sort());
  });

  it('can be drawn from any seed, and are requests Node can send: printable ASCII paths, header values without line breaks', () => {
    expect(manyCases).toHaveLength(12_000);
    for (const fuzzCase of manyCases) {
      const request = renderCase({ ...fuzzCase, body: undefined }, ['token-a', 'token-b']);
      expect(request.path).toMatch(/^\/[\x21-\x7e]*$/);
      for (const value of Object.values(request.headers)) expect(value).toMatch(/^[\x20-\x7e]*$/);
    }
  });

  it('send JSON that parses wherever they claim to send JSON', () => {
    for (const fuzzCase of manyCases.filter((candidate) => candidate.body?.kind === 'json')) {
      const text = renderBody(fuzzCase.body!).toString('utf8');
      // Past the body limit only the length matters; parsing a megabyte string proves nothing more.
      if (text.length < 1_000_000) expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it('never send a route its valid request: every refused POST breaks its body, content type, path, token or method', () => {
    for (const fuzzCase of manyCases.filter((candidate) => candidate.expect === 'refused' && candidate.route.startsWith('POST '))) {
      const spec = ROUTES.find((route) => `${route.method} ${route.route}` === fuzzCase.route)!;
      const templates = spec.body && spec.body !== 'ignored' ? spec.body.templates(targets).map((template) => renderJson(doc(template))) : [];
      const body = fuzzCase.body ? renderBody(fuzzCase.body).toString('utf8') : undefined;
      const validBody = body === undefined ? spec.body === 'ignored' || (spec.body?.optional ?? false) : templates.includes(body);
      const broken = [
        fuzzCase.auth.kind !== 'principal',
        fuzzCase.method !== 'POST',
        fuzzCase.path !== validPath(spec, targets),
        body !== undefined && fuzzCase.headers['content-type'] !== 'application/json',
        !validBody,
      ];
      expect({ fault: fuzzCase.fault, broken: broken.some(Boolean) }).toEqual({ fault: fuzzCase.fault, broken: true });
    }
  });
});
