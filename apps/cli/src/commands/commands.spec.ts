import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fakeApi, runCli } from '../testing/fake-api.js';
import { RowCounter } from './export.js';

const ID = '41ee741e-2f71-4ef2-8bbc-c4d76f61d291';
const BATCH = '0b7c8f2e-5d7e-4f8e-9f54-1b1f7f0c3a11';
const HISTORY = {
  items: [
    { version: 1, mutationId: 'm-1', transition: 'create', diff: [{ path: 'owner', kind: 'added', after: 'team-a' }, { path: 'rollout', kind: 'added', after: 0 }], actor: { id: 'alice', kind: 'human' }, appliedAt: '2030-01-15T12:00:00.000Z', position: 5 },
    { version: 2, mutationId: 'm-2', transition: 'setRollout', diff: [{ path: 'rollout', kind: 'changed', before: 0, after: 30 }], actor: { id: 'bob', kind: 'human' }, appliedAt: '2030-01-15T12:05:00.000Z', position: 9 },
  ],
  nextCursor: null,
};

function batchAnswer(status: string) {
  return {
    batchId: BATCH,
    mode: 'atomic',
    status,
    actor: { id: 'alice', kind: 'human' },
    reason: null,
    revertOf: null,
    requestedAt: null,
    updatedAt: null,
    finishedAt: null,
    expiresAt: null,
    requirements: status === 'pending' ? [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }] }] : [],
    approvals: [],
    currentStep: null,
    denial: null,
    failedStep: null,
    compensationFailure: null,
    alerts: 0,
    endedBy: null,
    steps: [{ index: 0, mutationId: ID, stateType: 'credit-limit', stateId: 'k-1', transition: 'setLimit', payload: { amount: 5 }, expectedVersion: null, compensates: null, diff: [], requirements: [], status: status === 'applied' ? 'applied' : 'planned', stateVersion: status === 'applied' ? 2 : null, failure: null, compensation: null }],
    position: 40,
  };
}

describe('the countersign commands', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-cli-commands-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('contracts: each contract with its transitions, their kind and payload fields (required ones starred)', async () => {
    const api = fakeApi({
      'GET /v1/contracts': {
        status: 200,
        body: {
          items: [
            {
              stateType: 'feature-flag',
              description: 'A feature flag.',
              stateSchema: {},
              classification: {},
              transitions: [
                { name: 'create', creates: true, reversible: false, compensatedBy: null, payloadSchema: { type: 'object', required: ['owner'], properties: { owner: { type: 'string' } } } },
                { name: 'setRollout', creates: false, reversible: true, compensatedBy: null, payloadSchema: { type: 'object', required: ['percentage'], properties: { percentage: { type: 'integer' }, mode: { enum: ['fast', 'slow'] } } } },
              ],
              policies: [{ name: 'agents-may-not-create-flags' }],
              sensitive: [],
              sideEffectTypes: [],
            },
          ],
        },
      },
    });
    const { exitCode, stdout } = await runCli(['contracts'], { fetch: api.fetch });
    expect(exitCode).toBe(0);
    expect(stdout).toBe(
      [
        'feature-flag — A feature flag.',
        '  transition  kind        payload',
        '  create      creates     {owner*: string}',
        '  setRollout  reversible  {percentage*: integer, mode: "fast"|"slow"}',
        '  policies: agents-may-not-create-flags',
        '',
      ].join('\n'),
    );
    const unknown = await runCli(['contracts', 'parking-lot'], { fetch: api.fetch });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no contract "parking-lot"; the registered ones are feature-flag');
  });

  it('state: the document and its version', async () => {
    const api = fakeApi({ 'GET /v1/states/feature-flag/checkout-v2': { status: 200, body: { state: { rollout: 30 }, version: 2, stateType: 'feature-flag', stateId: 'checkout-v2', lastMutationId: 'm-2', updatedAt: '2030-01-15T12:05:00.000Z', position: 9 } } });
    const { stdout } = await runCli(['state', 'feature-flag', 'checkout-v2'], { fetch: api.fetch });
    expect(stdout).toBe('feature-flag/checkout-v2 at version 2 (last changed by m-2 at 2030-01-15T12:05:00.000Z)\n{\n  "rollout": 30\n}\n');
  });

  it('history and diff: every version, and what changed between two of them', async () => {
    const api = fakeApi({ 'GET /v1/states/feature-flag/checkout-v2/history': { status: 200, body: HISTORY } });
    const shown = await runCli(['history', 'feature-flag', 'checkout-v2'], { fetch: api.fetch });
    expect(shown.stdout).toBe(
      [
        'version  transition  actor  applied                   changed         mutation',
        '1        create      alice  2030-01-15T12:00:00.000Z  owner, rollout  m-1',
        '2        setRollout  bob    2030-01-15T12:05:00.000Z  rollout         m-2',
        '',
      ].join('\n'),
    );
    const diff = await runCli(['diff', 'feature-flag', 'checkout-v2', '--from', '1', '--to', '2'], { fetch: api.fetch });
    expect(diff.stdout).toBe('feature-flag/checkout-v2 from version 1 to 2\n  ~ rollout: 0 → 30\n');
    const json = await runCli(['--json', 'diff', 'feature-flag', 'checkout-v2'], { fetch: api.fetch });
    expect(JSON.parse(json.stdout)).toEqual({
      stateType: 'feature-flag',
      stateId: 'checkout-v2',
      from: 0,
      to: 2,
      diff: [{ path: 'owner', kind: 'added', after: 'team-a' }, { path: 'rollout', kind: 'added', after: 30 }],
      versions: [{ version: 1, mutationId: 'm-1', transition: 'create' }, { version: 2, mutationId: 'm-2', transition: 'setRollout' }],
    });
    expect((await runCli(['diff', 'feature-flag', 'checkout-v2', '--to', '7'], { fetch: api.fetch })).exitCode).toBe(2);
  });

  it('watch: prints each event once as the timeline grows, then how it ended', async () => {
    const entry = (type: string, minute: number) => ({ type, at: `2030-01-15T12:0${minute}:00.000Z`, position: minute, data: type === 'MutationApplied' ? { version: 2 } : { actor: { id: 'alice' } } });
    const mutation = (status: string, entries: ReturnType<typeof entry>[]) => ({ mutationId: ID, stateType: 'feature-flag', stateId: 'f', transition: 'enable', status, stateVersion: status === 'applied' ? 2 : null, timeline: entries });
    const api = fakeApi({
      [`GET /v1/mutations/${ID}`]: [
        { status: 404, body: { error: 'mutation_not_found', message: 'not yet', details: {} } },
        { status: 200, body: mutation('pending', [entry('MutationRequested', 0)]) },
        { status: 200, body: mutation('applied', [entry('MutationRequested', 0), entry('MutationApplied', 1)]) },
      ],
    });
    const { exitCode, stdout } = await runCli(['watch', ID], { fetch: api.fetch });
    expect(exitCode).toBe(0);
    expect(stdout).toBe('12:00:00  MutationRequested     by alice\n12:01:00  MutationApplied       version 2\napplied feature-flag/f enable at version 2\n');
  });

  it('pending: the approval queue as a table, every page', async () => {
    const item = { mutationId: ID, stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'setRollout', requestedBy: { id: 'alice', kind: 'human' }, reason: null, riskLevel: 'medium', category: 'feature-flag', tags: [], payload: {}, diff: [], requirements: [], currentStep: { index: 0, role: 'release-manager' }, approvals: [], requestedAt: '2030-01-15T12:00:00.000Z', expiresAt: '2030-01-16T12:00:00.000Z', timeLeftMs: 86_000_000 };
    const api = fakeApi({ 'GET /v1/approvals/pending': [{ status: 200, body: { items: [item], nextCursor: 'next' } }, { status: 200, body: { items: [], nextCursor: null } }] });
    const { stdout } = await runCli(['pending'], { fetch: api.fetch });
    expect(stdout).toBe(
      `mutation                              change                               requested by  risk    waits for                 expires in\n${ID}  feature-flag/checkout-v2 setRollout  alice         medium  release-manager (step 1)  23 h 53 min\n`,
    );
    expect(api.seen.map((request) => request.url.searchParams.get('cursor'))).toEqual([null, 'next']);
  });

  it('cancel and revert: send their bodies; a revert conflict exits 4', async () => {
    const api = fakeApi({
      [`POST /v1/mutations/${ID}/cancel`]: { status: 200, body: { mutationId: ID, status: 'cancelled', recorded: true, openRequirements: [], stateVersion: null, position: 30 } },
      [`POST /v1/mutations/${ID}/revert`]: [
        { status: 201, body: { mutationId: 'c-1', status: 'applied', stateType: 'credit-limit', stateId: 'acme', transition: 'revert:raiseLimit', decision: { outcome: 'allow', policies: [] }, requirements: [], diff: [{ path: 'limit', kind: 'changed', before: 55000, after: 5000 }], planHash: 'h', classification: {}, stateVersion: 3, expiresAt: null, position: 50, compensates: ID } },
        { status: 409, body: { error: 'revert_conflict', message: 'later mutations changed the same paths', details: { later: [] } } },
      ],
    });
    expect(await runCli(['cancel', ID, '--reason', 'not today'], { fetch: api.fetch })).toEqual({ exitCode: 0, stdout: `Cancelled ${ID}: cancelled\n`, stderr: '' });
    expect(api.seen[0]?.body).toEqual({ reason: 'not today' });
    const reverted = await runCli(['revert', ID, '--reason', 'wrong customer'], { fetch: api.fetch });
    expect(reverted.stdout).toBe(`applied credit-limit/acme revert:raiseLimit at version 3\n  mutation c-1 compensates ${ID}\nChanges:\n  ~ limit: 55000 → 5000\n`);
    expect(api.seen[1]?.body).toEqual({ reason: 'wrong customer' });
    const conflicted = await runCli(['revert', ID, '--reason', 'again', '--compensate-later'], { fetch: api.fetch });
    expect(conflicted.exitCode).toBe(4);
    expect(api.seen[2]?.body).toEqual({ reason: 'again', compensateLater: true });
  });

  it('batch: submits the file (an array or { mode, mutations }), waits with --wait, and batch status shows one', async () => {
    const file = path.join(workDir, 'batch.json');
    await writeFile(file, JSON.stringify([{ stateType: 'credit-limit', stateId: 'k-1', transition: 'setLimit', payload: { amount: 5 } }]));
    const api = fakeApi({ 'POST /v1/batches': { status: 202, body: batchAnswer('pending') }, [`GET /v1/batches/${BATCH}`]: [{ status: 200, body: batchAnswer('pending') }, { status: 200, body: batchAnswer('applied') }] });
    const waited = await runCli(['batch', file, '--mode', 'independent', '--wait'], { fetch: api.fetch });
    expect(api.seen[0]?.body).toEqual({ mode: 'independent', mutations: [{ stateType: 'credit-limit', stateId: 'k-1', transition: 'setLimit', payload: { amount: 5 } }] });
    expect(waited.exitCode).toBe(0);
    expect(waited.stdout).toContain(`Batch ${BATCH} (atomic): applied\n  step  change                     status   version  note\n  0     credit-limit/k-1 setLimit  applied  2`);
    const shown = await runCli(['--json', 'batch', 'status', BATCH], { fetch: api.fetch });
    expect(JSON.parse(shown.stdout)).toMatchObject({ batchId: BATCH });

    const pendingOnly = fakeApi({ 'POST /v1/batches': { status: 202, body: batchAnswer('pending') }, [`GET /v1/batches/${BATCH}`]: { status: 200, body: batchAnswer('pending') } });
    expect((await runCli(['batch', file], { fetch: pendingOnly.fetch })).exitCode).toBe(0);
    expect((await runCli(['batch', file, '--wait', '--timeout', '2s'], { fetch: pendingOnly.fetch })).exitCode).toBe(5);
    await writeFile(path.join(workDir, 'not-a-batch.json'), '{"steps": []}');
    expect((await runCli(['batch', path.join(workDir, 'not-a-batch.json')], { fetch: pendingOnly.fetch })).stderr).toContain('must hold { "mode", "mutations": [...] } or an array of mutations');
  });

  it('export: streams into the file, counts the rows, and adds nothing to stdout without --out', async () => {
    const csv = 'mutationId,reason\nm-1,"two\nlines"\nm-2,"a ""quote"""\n';
    const api = fakeApi({ 'GET /v1/mutations/export': { status: 200, text: csv, contentType: 'text/csv' } });
    const out = path.join(workDir, 'export.csv');
    const written = await runCli(['export', '--format', 'csv', '--state-type', 'feature-flag', '--out', out], { fetch: api.fetch });
    expect(written).toEqual({ exitCode: 0, stdout: `Exported 2 mutations (${Buffer.byteLength(csv)} bytes of csv) to ${out}\n`, stderr: '' });
    expect(await readFile(out, 'utf8')).toBe(csv);
    expect(api.seen[0]?.url.search).toBe('?stateType=feature-flag&format=csv');
    const streamed = await runCli(['export', '--format', 'csv'], { fetch: api.fetch });
    expect(streamed.stdout).toBe(csv);
  });

  it('export: a progress line on stderr only when it is a terminal', async () => {
    const api = fakeApi({ 'GET /v1/mutations/export': { status: 200, text: '{"a":1}\n{"a":2}\n', contentType: 'application/x-ndjson' } });
    const out = path.join(workDir, 'export.ndjson');
    const terminal = await runCli(['export', '--out', out], { fetch: api.fetch, stderrTTY: true });
    expect(terminal.stderr).toMatch(/exporting ndjson 2 rows {2}[\d,]+ rows\/s\n$/);
    expect((await runCli(['export', '--out', out], { fetch: api.fetch, stderrTTY: false })).stderr).toBe('');
  });

  it('counts CSV records, not the newlines inside quoted fields, and NDJSON lines', () => {
    const csv = new RowCounter('csv');
    csv.add(Buffer.from('id,reason\n1,"a\nb'));
    csv.add(Buffer.from('"\n2,c\n'));
    expect(csv.rows).toBe(2);
    const ndjson = new RowCounter('ndjson');
    ndjson.add(Buffer.from('{"reason":"a\\nb"}\n{}\n'));
    expect(ndjson.rows).toBe(2);
  });

  it('validate: exit 0 with each contract when valid, 2 with each problem and its line otherwise (offline)', async () => {
    const folder = path.join(workDir, 'contracts');
    await rm(folder, { recursive: true, force: true });
    await writeFile(path.join(workDir, 'placeholder'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder));
    await writeFile(
      path.join(folder, 'lot.mjs'),
      `import { defineContract } from '@countersign/domain';\nexport const lot = defineContract({ stateType: 'parking-lot', stateSchema: { type: 'object' }, transitions: { open: { creates: true, payloadSchema: { type: 'object' }, effects: () => [] } } });\n`,
    );
    const valid = await runCli(['validate', folder]);
    expect(valid.exitCode).toBe(0);
    expect(valid.stdout).toBe(`ok     parking-lot (${path.join(folder, 'lot.mjs')}): open\n1 contract, 0 problems\n`);
    await writeFile(path.join(folder, 'broken.ts'), `import { defineContract } from '@countersign/domain';\nexport const broken = defineContract({ stateType: 'x',\n`);
    const invalid = await runCli(['--json', 'validate', folder]);
    expect(invalid.exitCode).toBe(2);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ valid: false, contracts: [{ stateType: 'parking-lot' }], problems: [{ file: path.join(folder, 'broken.ts'), line: 3, message: "'}' expected." }] });
  });
});
