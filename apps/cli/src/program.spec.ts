import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fakeApi, runCli } from './testing/fake-api.js';

const ID = '41ee741e-2f71-4ef2-8bbc-c4d76f61d291';
const HASH = 'a'.repeat(64);
const POLICIES = [
  { policy: 'agents-may-not-create-flags', outcome: 'allow' },
  { policy: 'prod-rollout-jump-needs-release-manager', outcome: 'require', reason: 'rollout moves 80 points on a prod flag' },
];
const CLASSIFICATION = { category: 'feature-flag', riskLevel: 'medium', sideEffectSeverity: 'low', tags: ['prod'], metadata: { ticket: 'CHG-1' }, estimatedBlastRadius: 1 };
const PLAN = {
  stateType: 'feature-flag',
  stateId: 'checkout-v2',
  transition: 'setRollout',
  decision: { outcome: 'require', policies: POLICIES },
  requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
  diff: [{ path: 'rollout', kind: 'changed', before: 0, after: 80 }],
  planHash: HASH,
  classification: CLASSIFICATION,
};
const DRY_RUN = { dryRun: true, ...PLAN, stateVersion: 2, resultingState: { rollout: 80 } };
const PENDING = { mutationId: ID, status: 'pending', ...PLAN, stateVersion: null, expiresAt: '2030-01-16T12:00:00.000Z', position: 17 };

function view(status: string, timeline: string[], extra: Record<string, unknown> = {}) {
  return {
    mutationId: ID,
    stateType: 'feature-flag',
    stateId: 'checkout-v2',
    transition: 'setRollout',
    status,
    actor: { id: 'alice', kind: 'human', roles: ['operator'] },
    reason: null,
    ...CLASSIFICATION,
    payload: { percentage: 80 },
    evaluation: { outcome: 'require', policies: POLICIES },
    requirements: PLAN.requirements,
    denial: null,
    diff: PLAN.diff,
    planHash: HASH,
    baseVersion: 2,
    expectedVersion: null,
    stateVersion: status === 'applied' ? 3 : null,
    idempotencyKey: null,
    dependsOn: [],
    notBefore: null,
    requestedAt: '2030-01-15T12:00:00.000Z',
    expiresAt: '2030-01-16T12:00:00.000Z',
    appliedAt: null,
    finishedAt: null,
    position: 17,
    approvals: status === 'applied' ? [{ approverId: 'bob', step: 0, role: 'release-manager', approvedAt: '2030-01-15T12:01:00.000Z' }] : [],
    currentStep: null,
    passedChecks: [],
    scheduleReached: false,
    outcome: null,
    compensates: null,
    compensatedBy: null,
    batchId: null,
    batchStep: null,
    timeline: timeline.map((type, index) => ({ type, at: `2030-01-15T12:0${index}:00.000Z`, position: 15 + index, data: type === 'MutationRequested' ? { actor: { id: 'alice' } } : type === 'ApprovalGranted' ? { approver: { id: 'bob' }, role: 'release-manager', step: 0, comment: 'go' } : type === 'MutationApplied' ? { version: 3 } : {} })),
    ...extra,
  };
}

describe('countersign, run in this process', () => {
  it('lists every command and the exit codes in --help, and exits 0', async () => {
    const { exitCode, stdout } = await runCli(['--help']);
    expect(exitCode).toBe(0);
    for (const command of ['contracts', 'plan', 'submit|apply', 'status', 'watch', 'pending', 'approve', 'reject', 'cancel', 'revert', 'list', 'state', 'history', 'diff', 'batch', 'export', 'validate', 'login']) {
      expect(stdout).toContain(`  ${command} `);
    }
    expect(stdout).toMatch(/Exit codes:\n {2}0 {2}success.*\n {2}2 {2}usage.*\n {2}3 {2}denied.*\n {2}4 {2}conflict.*\n {2}5 {2}still pending.*\n {2}1 {2}anything else/);
  });

  it.each([
    [['plan', 'feature-flag'], /missing required argument 'stateId'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['export', '--format', 'xml'], /Allowed choices are ndjson, csv/],
    [['submit', 'feature-flag', 'x', 'enable', '--expected-version', 'one'], /--expected-version must be a non-negative integer/],
    [['plan', 'feature-flag', 'x', 'enable', '--payload', '[1]'], /--payload must be a JSON object/],
    [['submit', 'feature-flag', 'x', 'enable', '--wait', '--timeout', 'soon'], /--timeout must be a duration/],
    [['revert', ID], /required option '--reason <text>'/],
    [['login', '--url', 'http://127.0.0.1:1'], /login needs --url <url> and --token <token>/],
  ])('exits 2 with the reason on stderr for bad usage: %j', async (argv, reason) => {
    const api = fakeApi({});
    const { exitCode, stderr } = await runCli(argv, { fetch: api.fetch });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(reason);
    expect(api.seen).toEqual([]);
  });

  it('plans with a dry run built from the flags and shows the diff, each policy, the requirements and the plan hash', async () => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 200, body: DRY_RUN } });
    const { exitCode, stdout } = await runCli(['plan', 'feature-flag', 'checkout-v2', 'setRollout', '--set', 'percentage=80', '--set', 'note.text=fast', '--tag', 'prod', '--metadata', 'ticket=CHG-1', '--blast-radius', '3'], { fetch: api.fetch });
    expect(exitCode).toBe(0);
    expect(api.seen[0]?.body).toEqual({ stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'setRollout', payload: { percentage: 80, note: { text: 'fast' } }, tags: ['prod'], metadata: { ticket: 'CHG-1' }, estimatedBlastRadius: 3, dryRun: true });
    expect(stdout).toContain('Plan for feature-flag/checkout-v2 setRollout at version 2');
    expect(stdout).toContain('~ rollout: 0 → 80');
    expect(stdout).toContain('require  prod-rollout-jump-needs-release-manager — rollout moves 80 points on a prod flag');
    expect(stdout).toContain('approval: 1 × release-manager');
    expect(stdout).toContain(`Plan hash: ${HASH}`);
  });

  it('prints exactly the API answer with --json, on one line', async () => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 200, body: DRY_RUN } });
    const { stdout } = await runCli(['--json', 'plan', 'feature-flag', 'checkout-v2', 'setRollout', '--payload', '{"percentage":80}'], { fetch: api.fetch });
    expect(stdout).toBe(`${JSON.stringify(DRY_RUN)}\n`);
  });

  it('sends --plan-hash as expectedPlanHash, and exits 4 with the API error as the --json answer when the plan changed', async () => {
    const changed = { error: 'plan_changed', message: 'the plan changed', details: { expectedPlanHash: HASH, planHash: 'b'.repeat(64) } };
    const api = fakeApi({ 'POST /v1/mutations': { status: 409, body: changed } });
    const { exitCode, stdout, stderr } = await runCli(['--json', 'submit', 'feature-flag', 'checkout-v2', 'setRollout', '--set', 'percentage=80', '--plan-hash', HASH, '--idempotency-key', 'k-1'], { fetch: api.fetch });
    expect(api.seen[0]?.body).toMatchObject({ expectedPlanHash: HASH, idempotencyKey: 'k-1' });
    expect(exitCode).toBe(4);
    expect(JSON.parse(stdout)).toEqual(changed);
    expect(stderr).toBe('countersign: plan_changed: the plan changed (HTTP 409)\n');
  });

  it.each([
    ['a recorded guard denial', 422, { error: 'guard_denied', message: 'no', details: {}, mutationId: ID, status: 'denied', suggestions: [{ message: 'enable it first', transition: 'enable', payload: {} }], position: 9 }, 3],
    ['a recorded policy denial', 403, { error: 'policy_denied', message: 'agents may not', details: {}, mutationId: ID, status: 'denied', suggestions: [], position: 9 }, 3],
    ['a recorded dependency failure (not a denial)', 422, { error: 'dependency_failed', message: 'ended', details: {}, mutationId: ID, status: 'failed', position: 9 }, 2],
    ['invalid input', 400, { error: 'invalid_request', message: 'bad', details: { violations: [{ path: 'stateId', message: 'must match' }] } }, 2],
    ['an unknown transition', 422, { error: 'unknown_transition', message: 'no such transition', details: {} }, 2],
    ['a refused approval', 403, { error: 'self_approval', message: 'no', details: {} }, 3],
    ['a version conflict', 409, { error: 'version_conflict', message: 'stale', details: { expectedVersion: 1, currentVersion: 2 } }, 4],
    ['a bad token', 401, { error: 'unauthorized', message: 'unknown token', details: {} }, 1],
    ['a missing mutation', 404, { error: 'mutation_not_found', message: 'none', details: {} }, 1],
    ['capacity', 429, { error: 'over_capacity', message: 'busy', details: {} }, 1],
    ['a server failure', 503, { error: 'unavailable', message: 'down', details: {} }, 1],
  ])('exits with the code of %s', async (_name, status, body, code) => {
    const api = fakeApi({ 'POST /v1/mutations': { status, body } });
    const { exitCode, stderr } = await runCli(['submit', 'feature-flag', 'checkout-v2', 'setRollout', '--set', 'percentage=30'], { fetch: api.fetch });
    expect(exitCode).toBe(code);
    expect(stderr.split('\n')[0]).toBe(`countersign: ${body.error}: ${body.message} (HTTP ${status})`);
  });

  it('shows a recorded denial with its mutation id and the suggested fix', async () => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 422, body: { error: 'guard_denied', message: 'a rollout above 0 on a disabled flag has no effect', details: {}, mutationId: ID, status: 'denied', suggestions: [{ message: 'enable the flag first', transition: 'enable', payload: {} }], position: 9 } } });
    const { stdout } = await runCli(['submit', 'feature-flag', 'checkout-v2', 'setRollout', '--set', 'percentage=30'], { fetch: api.fetch });
    expect(stdout).toBe(`denied guard_denied: a rollout above 0 on a disabled flag has no effect\n  mutation ${ID} (recorded)\n  suggestion: enable the flag first (transition enable, payload {})\n`);
  });

  it('exits 1 with one line on stderr when the server cannot be reached', async () => {
    const { exitCode, stdout, stderr } = await runCli(['--url', 'http://127.0.0.1:9', 'contracts'], {
      fetch: () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { message: 'connect ECONNREFUSED 127.0.0.1:9' } })),
    });
    expect({ exitCode, stdout, stderr }).toEqual({ exitCode: 1, stdout: '', stderr: 'countersign: cannot reach http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9\n' });
  });

  it('records a pending mutation and exits 0 when not waiting', async () => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 202, body: PENDING } });
    const { exitCode, stdout } = await runCli(['apply', 'feature-flag', 'checkout-v2', 'setRollout', '--set', 'percentage=80', '--tag', 'prod'], { fetch: api.fetch });
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`pending feature-flag/checkout-v2 setRollout\n  mutation ${ID}\n  waits for approval: 1 × release-manager\n  expires at 2030-01-16T12:00:00.000Z`);
  });

  it('waits with --wait, showing each new event, and exits by how it ended', async () => {
    const api = fakeApi({
      'POST /v1/mutations': { status: 202, body: PENDING },
      'GET /v1/mutations/41ee741e-2f71-4ef2-8bbc-c4d76f61d291': [
        { status: 200, body: view('pending', ['MutationRequested', 'MutationPending']) },
        { status: 200, body: view('pending', ['MutationRequested', 'MutationPending']) },
        { status: 200, body: view('applied', ['MutationRequested', 'MutationPending', 'ApprovalGranted', 'MutationApplied']) },
      ],
    });
    const { exitCode, stdout } = await runCli(['submit', 'feature-flag', 'checkout-v2', 'setRollout', '--set', 'percentage=80', '--wait'], { fetch: api.fetch });
    expect(exitCode).toBe(0);
    const events = stdout.split('\n').filter((line) => /^ {2}\d\d:\d\d:\d\d/.test(line));
    expect(events).toEqual([
      '  12:00:00  MutationRequested     by alice',
      '  12:01:00  MutationPending       waits for nothing',
      '  12:02:00  ApprovalGranted       bob (release-manager, step 1): "go"',
      '  12:03:00  MutationApplied       version 3',
    ]);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('applied feature-flag/checkout-v2 setRollout at version 3');
    // The first read waits for the submit's own write (read your writes).
    expect(api.seen[1]?.url.searchParams.get('minPosition')).toBe('17');
  });

  it.each([
    ['rejected', 3],
    ['conflicted', 4],
    ['expired', 1],
  ])('exits by the status a waited mutation ended in: %s', async (ended, code) => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 202, body: PENDING }, [`GET /v1/mutations/${ID}`]: { status: 200, body: view(ended, ['MutationRequested']) } });
    const { exitCode, stderr } = await runCli(['submit', 'feature-flag', 'checkout-v2', 'setRollout', '--wait'], { fetch: api.fetch });
    expect(exitCode).toBe(code);
    expect(stderr).toBe(`countersign: mutation ${ID} ended ${ended}\n`);
  });

  it('exits 5 when the mutation is still pending at --timeout, with the final record as the --json answer', async () => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 202, body: PENDING }, [`GET /v1/mutations/${ID}`]: { status: 200, body: view('pending', ['MutationRequested']) } });
    const { exitCode, stdout } = await runCli(['--json', 'submit', 'feature-flag', 'checkout-v2', 'setRollout', '--wait', '--timeout', '3s'], { fetch: api.fetch });
    expect(exitCode).toBe(5);
    expect(JSON.parse(stdout)).toMatchObject({ mutationId: ID, status: 'pending' });
    // Polled every 500 ms for 3 s: the first read and six more.
    expect(api.seen.filter((request) => request.method === 'GET')).toHaveLength(7);
  });

  it('sends every list filter as the query of GET /v1/mutations, and follows the cursors with --all', async () => {
    const api = fakeApi({
      'GET /v1/mutations': (request) => (request.url.searchParams.get('cursor') === 'page-2' ? { status: 200, body: { items: [view('denied', [])], nextCursor: null } } : { status: 200, body: { items: [view('applied', [])], nextCursor: 'page-2' } }),
    });
    const flags = ['--actor', 'alice', '--status', 'applied', '--state-type', 'feature-flag', '--state-id', 'checkout-v2', '--risk', 'high', '--severity', 'low', '--tag', 'prod', '--tag', 'eu', '--tags', 'a,b', '--metadata', 'team=pay', '--blast-min', '1', '--blast-max', '9', '--from', '2030-01-01T00:00:00Z', '--to', '2030-02-01T00:00:00Z', '--q', 'checkout', '--limit', '1'];
    const { exitCode, stdout } = await runCli(['--json', 'list', ...flags, '--all'], { fetch: api.fetch });
    expect(exitCode).toBe(0);
    expect(api.seen[0]?.url.search).toBe(
      '?actor=alice&status=applied&stateType=feature-flag&stateId=checkout-v2&riskLevel=high&sideEffectSeverity=low&tag=prod&tag=eu&tags=a&tags=b&metadata[team]=pay&blastRadiusMin=1&blastRadiusMax=9&from=2030-01-01T00%3A00%3A00Z&to=2030-02-01T00%3A00%3A00Z&q=checkout&limit=1',
    );
    expect(api.seen).toHaveLength(2);
    expect(JSON.parse(stdout).items.map((item: { status: string }) => item.status)).toEqual(['applied', 'denied']);
  });

  it('shows one page as a table and names the next cursor', async () => {
    const api = fakeApi({ 'GET /v1/mutations': { status: 200, body: { items: [view('applied', [])], nextCursor: 'page-2' } } });
    const { stdout } = await runCli(['list', '--limit', '1'], { fetch: api.fetch });
    expect(stdout).toBe(
      `mutation                              status   change                               actor  risk    requested\n${ID}  applied  feature-flag/checkout-v2 setRollout  alice  medium  2030-01-15T12:00:00.000Z\nmore: --cursor page-2 (or --all)\n`,
    );
  });

  it('colors only a terminal without NO_COLOR', async () => {
    const api = fakeApi({ 'POST /v1/mutations': { status: 200, body: DRY_RUN } });
    const argv = ['plan', 'feature-flag', 'checkout-v2', 'setRollout'];
    expect((await runCli(argv, { fetch: api.fetch, stdoutTTY: true })).stdout).toContain('\u001b[33m~ rollout: 0 → 80\u001b[39m');
    expect((await runCli(argv, { fetch: api.fetch, stdoutTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await runCli(argv, { fetch: api.fetch, stdoutTTY: false })).stdout).not.toContain('\u001b[');
  });

  it('approves with a comment and exits 0 once applied; rejecting exits 0 too', async () => {
    const api = fakeApi({ [`POST /v1/mutations/${ID}/approvals`]: (request) => ({ status: 200, body: { mutationId: ID, status: (request.body as { decision: string }).decision === 'approve' ? 'applied' : 'rejected', recorded: true, openRequirements: [], stateVersion: 3, position: 21 } }) });
    const approved = await runCli(['approve', ID, '--comment', 'go'], { fetch: api.fetch });
    expect(approved).toEqual({ exitCode: 0, stdout: `Approved ${ID}: applied at version 3\n`, stderr: '' });
    expect(api.seen[0]?.body).toEqual({ decision: 'approve', comment: 'go' });
    expect((await runCli(['reject', ID], { fetch: api.fetch })).exitCode).toBe(0);
    expect(api.seen[1]?.body).toEqual({ decision: 'reject' });
  });
});

describe('countersign connections and profiles', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-cli-profiles-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  const contractsAnswer = { status: 200, body: { items: [] } };

  it('talks to COUNTERSIGN_URL with COUNTERSIGN_TOKEN, and to http://127.0.0.1:3000 without a token by default', async () => {
    const api = fakeApi({ 'GET /v1/contracts': contractsAnswer });
    await runCli(['contracts'], { fetch: api.fetch, env: { COUNTERSIGN_URL: 'http://countersign.test:8080/', COUNTERSIGN_TOKEN: 'env-token' } });
    await runCli(['contracts'], { fetch: api.fetch });
    expect(api.seen.map((request) => [request.url.origin, request.headers.get('authorization')])).toEqual([
      ['http://countersign.test:8080', 'Bearer env-token'],
      ['http://127.0.0.1:3000', null],
    ]);
  });

  it('saves a verified profile with login in a file only its owner can read, and uses it as the default', async () => {
    const configFile = path.join(workDir, 'login', 'config.json');
    const api = fakeApi({ 'GET /v1/approvals/pending': (request) => (request.headers.get('authorization') === 'Bearer good' ? { status: 200, body: { items: [], nextCursor: null } } : { status: 401, body: { error: 'unauthorized', message: 'unknown or revoked token', details: {} } }) });
    const env = { COUNTERSIGN_CONFIG: configFile };
    const refused = await runCli(['login', '--url', 'http://countersign.test', '--token', 'bad'], { fetch: api.fetch, env });
    expect(refused.exitCode).toBe(1);
    await expect(stat(configFile)).rejects.toMatchObject({ code: 'ENOENT' });

    expect((await runCli(['login', '--url', 'http://countersign.test/', '--token', 'good'], { fetch: api.fetch, env })).exitCode).toBe(0);
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(configFile))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({ defaultProfile: 'default', profiles: { default: { url: 'http://countersign.test', token: 'good' } } });

    api.seen.length = 0;
    await runCli(['pending'], { fetch: api.fetch, env });
    expect(api.seen[0]?.url.origin).toBe('http://countersign.test');
    expect(api.seen[0]?.headers.get('authorization')).toBe('Bearer good');
  });

  it('remembers the position of its writes for the reads of later invocations, and forgets one the server has not reached', async () => {
    const configFile = path.join(workDir, 'positions', 'config.json');
    const env = { COUNTERSIGN_CONFIG: configFile, COUNTERSIGN_URL: 'http://countersign.test' };
    let head = 20;
    const api = fakeApi({
      'POST /v1/mutations': { status: 202, body: PENDING },
      'GET /health': () => ({ status: 200, body: { status: 'ok', details: { database: 'up', log: { headPosition: head }, projections: [], executions: { running: 0, queued: 0, limit: 64 } } } }),
      [`GET /v1/mutations/${ID}`]: { status: 200, body: view('pending', []) },
    });
    await runCli(['submit', 'feature-flag', 'checkout-v2', 'setRollout'], { fetch: api.fetch, env, rememberPositions: true });
    expect(JSON.parse(await readFile(path.join(workDir, 'positions', 'positions.json'), 'utf8'))).toEqual({ 'http://countersign.test': 17 });

    api.seen.length = 0;
    await runCli(['status', ID], { fetch: api.fetch, env, rememberPositions: true });
    expect(api.seen.map((request) => `${request.url.pathname}${request.url.search}`)).toEqual(['/health', `/v1/mutations/${ID}?minPosition=17`]);

    head = 5; // a fresh database behind the same URL
    api.seen.length = 0;
    await runCli(['status', ID], { fetch: api.fetch, env, rememberPositions: true });
    expect(api.seen.map((request) => `${request.url.pathname}${request.url.search}`)).toEqual(['/health', `/v1/mutations/${ID}`]);
    expect(JSON.parse(await readFile(path.join(workDir, 'positions', 'positions.json'), 'utf8'))).toEqual({ 'http://countersign.test': 0 });
  });

  it('picks a connection: flags, then the named profile, then the environment, then the default profile', async () => {
    const configFile = path.join(workDir, 'precedence.json');
    await writeFile(
      configFile,
      JSON.stringify({ defaultProfile: 'main', profiles: { main: { url: 'http://main.test', token: 'main-token' }, staging: { url: 'http://staging.test', token: 'staging-token' } } }),
      { mode: 0o600 },
    );
    const api = fakeApi({ 'GET /v1/contracts': contractsAnswer });
    const seenWith = async (argv: string[], env: Record<string, string> = {}) => {
      api.seen.length = 0;
      await runCli([...argv, 'contracts'], { fetch: api.fetch, env: { COUNTERSIGN_CONFIG: configFile, ...env } });
      return `${api.seen[0]?.url.origin} ${api.seen[0]?.headers.get('authorization')}`;
    };
    expect(await seenWith([])).toBe('http://main.test Bearer main-token');
    expect(await seenWith([], { COUNTERSIGN_URL: 'http://env.test', COUNTERSIGN_TOKEN: 'env-token' })).toBe('http://env.test Bearer env-token');
    expect(await seenWith(['--profile', 'staging'], { COUNTERSIGN_URL: 'http://env.test' })).toBe('http://staging.test Bearer staging-token');
    expect(await seenWith([], { COUNTERSIGN_PROFILE: 'staging' })).toBe('http://staging.test Bearer staging-token');
    expect(await seenWith(['--profile', 'staging', '--token', 'flag-token'])).toBe('http://staging.test Bearer flag-token');
    const unknown = await runCli(['--profile', 'prod', 'contracts'], { fetch: api.fetch, env: { COUNTERSIGN_CONFIG: configFile } });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no profile "prod"');
  });
});
