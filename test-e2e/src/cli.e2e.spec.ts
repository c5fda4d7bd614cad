import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@countersign/event-store/testing';
import { CLI_BIN, REPOSITORY, runCliProcess, type CliResult } from './support/cli-process.js';
import { TEST_PRINCIPALS, type TestPrincipalName } from './support/principals.js';
import { TestApi } from './support/test-api.js';

// The built `countersign` binary as a process against a booted system (docs/cli.md).

describe('the countersign CLI against a running system', () => {
  let api: TestApi;
  let workDir: string;

  beforeAll(async () => {
    api = await TestApi.start();
    workDir = await mkdtemp(path.join(os.tmpdir(), 'countersign-cli-e2e-'));
  });
  afterAll(async () => {
    await api.close();
    await rm(workDir, { recursive: true, force: true });
  });

  /** `countersign <args>` as `who`, through COUNTERSIGN_URL and COUNTERSIGN_TOKEN, with no config file. */
  const cli = (args: string[], who: TestPrincipalName = 'alice', env: Record<string, string> = {}): Promise<CliResult> =>
    runCliProcess(args, { COUNTERSIGN_URL: api.baseUrl, COUNTERSIGN_TOKEN: TEST_PRINCIPALS[who].token, COUNTERSIGN_CONFIG: path.join(workDir, 'no-config.json'), ...env });
  const json = (result: CliResult) => JSON.parse(result.stdout) as Record<string, any>;
  const mutationsOf = async (stateId: string) => (await api.request('GET', `/v1/mutations?stateId=${stateId}&minPosition=${await api.headPosition()}`)).body.items as { mutationId: string; status: string }[];

  it('lists its commands and exit codes with --help (exit 0), and refuses bad usage with exit 2', async () => {
    const help = await cli(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('submit|apply [options] <stateType> <stateId> <transition>');
    expect(help.stdout).toContain('Exit codes:\n  0  success');
    const usage = await cli(['plan', 'feature-flag']);
    expect(usage).toMatchObject({ exitCode: 2, stdout: '' });
    expect(usage.stderr).toContain("missing required argument 'stateId'");
  });

  it('is the workspace bin that `npx countersign` runs from the repository root after npm install', async () => {
    const linked = path.join(REPOSITORY, 'node_modules/.bin/countersign');
    expect(await realpath(linked)).toBe(await realpath(CLI_BIN));
    const version = await new Promise<string>((resolve, reject) => execFile(linked, ['--version'], { cwd: REPOSITORY }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
    expect(version).toBe('0.1.0\n');
  });

  it('contracts: prints the registered contracts, and with --json exactly the API answer', async () => {
    const table = await cli(['contracts']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain('feature-flag — ');
    expect(table.stdout).toMatch(/ {2}setRollout +reversible +\{percentage\*: integer\}/);
    const answer = await cli(['--json', 'contracts']);
    expect(json(answer)).toEqual((await api.request('GET', '/v1/contracts')).body);
  });

  it('plan → submit --plan-hash applies exactly the plan shown; a stale plan hash exits 4 and records nothing', async () => {
    expect((await cli(['submit', 'feature-flag', 'cli-flag', 'create', '--set', 'owner=team-cli', '--reason', 'cli tour'])).exitCode).toBe(0);
    expect((await cli(['submit', 'feature-flag', 'cli-flag', 'enable', '--expected-version', '1'])).exitCode).toBe(0);

    const planned = await cli(['plan', 'feature-flag', 'cli-flag', 'setRollout', '--set', 'percentage=30']);
    expect(planned.exitCode).toBe(0);
    expect(planned.stdout).toContain('Plan for feature-flag/cli-flag setRollout at version 2');
    expect(planned.stdout).toContain('~ rollout: 0 → 30');
    const plan = json(await cli(['--json', 'plan', 'feature-flag', 'cli-flag', 'setRollout', '--set', 'percentage=30']));
    expect(plan).toMatchObject({ dryRun: true, stateVersion: 2, planHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(planned.stdout).toContain(`Plan hash: ${plan.planHash}`);

    const applied = await cli(['--json', 'submit', 'feature-flag', 'cli-flag', 'setRollout', '--set', 'percentage=30', '--plan-hash', plan.planHash]);
    expect(applied.exitCode).toBe(0);
    expect(json(applied)).toMatchObject({ status: 'applied', planHash: plan.planHash, stateVersion: 3 });

    const stalePlan = json(await cli(['--json', 'plan', 'feature-flag', 'cli-flag', 'setRollout', '--set', 'percentage=40']));
    expect((await cli(['submit', 'feature-flag', 'cli-flag', 'setRollout', '--set', 'percentage=35'])).exitCode).toBe(0);
    const head = await api.headPosition();
    const recorded = await mutationsOf('cli-flag');
    const stale = await cli(['--json', 'submit', 'feature-flag', 'cli-flag', 'setRollout', '--set', 'percentage=40', '--plan-hash', stalePlan.planHash]);
    expect(stale.exitCode).toBe(4);
    expect(json(stale)).toMatchObject({ error: 'plan_changed', details: { expectedPlanHash: stalePlan.planHash, planHash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(stale.stderr).toMatch(/^countersign: plan_changed: .* \(HTTP 409\)\n$/);
    expect(await api.headPosition()).toBe(head);
    expect(await mutationsOf('cli-flag')).toEqual(recorded);
  });

  it('exits 3 on a recorded denial, 4 on a version conflict, 2 on invalid input, 1 on a bad token or no server', async () => {
    const denied = await cli(['--json', 'submit', 'feature-flag', 'cli-agent', 'create', '--set', 'owner=bot'], 'agent');
    expect(denied.exitCode).toBe(3);
    expect(json(denied)).toMatchObject({ error: 'policy_denied', status: 'denied', mutationId: expect.any(String) });
    const guard = await cli(['submit', 'feature-flag', 'cli-guard', 'create', '--set', 'owner=team']).then(() => cli(['submit', 'feature-flag', 'cli-guard', 'setRollout', '--set', 'percentage=30']));
    expect(guard.exitCode).toBe(3);
    expect(guard.stdout).toContain('suggestion: enable the flag first, then set the rollout (transition enable, payload {})');

    const conflict = await cli(['submit', 'feature-flag', 'cli-guard', 'enable', '--expected-version', '0']);
    expect(conflict.exitCode).toBe(4);
    expect(conflict.stderr).toContain('countersign: version_conflict: expected version 0 but feature-flag/cli-guard is at version 1 (HTTP 409)');

    const invalid = await cli(['submit', 'feature-flag', 'cli-guard', 'launch']);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain('unknown_transition');
    const badPayload = await cli(['plan', 'feature-flag', 'cli-guard', 'setRollout', '--set', 'percentage=101']);
    expect(badPayload.exitCode).toBe(2);

    const unauthorized = await cli(['list'], 'alice', { COUNTERSIGN_TOKEN: 'not-a-token' });
    expect(unauthorized).toMatchObject({ exitCode: 1, stdout: '' });
    expect(unauthorized.stderr).toBe('countersign: unauthorized: unknown or revoked token (HTTP 401)\n');
    const unreachable = await cli(['list'], 'alice', { COUNTERSIGN_URL: 'http://127.0.0.1:9' });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toMatch(/^countersign: cannot reach http:\/\/127\.0\.0\.1:9: .+\n$/);
  });

  it('pending, approve and --wait: submit --wait shows the events until another principal approves, then exits 0', async () => {
    await cli(['submit', 'feature-flag', 'cli-prod', 'create', '--set', 'owner=team']);
    await cli(['submit', 'feature-flag', 'cli-prod', 'enable']);
    const waiting = cli(['submit', 'feature-flag', 'cli-prod', 'setRollout', '--set', 'percentage=80', '--tag', 'prod', '--wait', '--timeout', '120s']);
    const queue = await waitFor(
      () => cli(['--json', 'pending'], 'bob'),
      (result) => json(result).items.some((item: { stateId: string }) => item.stateId === 'cli-prod'),
    );
    const mutationId = json(queue).items.find((item: { stateId: string }) => item.stateId === 'cli-prod').mutationId as string;
    const shown = await cli(['pending'], 'bob');
    expect(shown.stdout).toMatch(new RegExp(`${mutationId} +feature-flag/cli-prod setRollout +alice +medium +release-manager \\(step 1\\)`));

    const self = await cli(['approve', mutationId], 'alice');
    expect(self.exitCode).toBe(3);
    expect(self.stderr).toContain('self_approval');
    const approved = await cli(['approve', mutationId, '--comment', 'go'], 'bob');
    expect(approved).toMatchObject({ exitCode: 0, stdout: `Approved ${mutationId}: applied at version 3\n` });

    const waited = await waiting;
    expect(waited.exitCode).toBe(0);
    expect(waited.stdout).toContain(`Waiting up to 120 s for ${mutationId}`);
    expect(waited.stdout).toMatch(/ApprovalGranted +bob \(release-manager, step 1\): "go"/);
    expect(waited.stdout.trimEnd().split('\n').at(-1)).toBe('applied feature-flag/cli-prod setRollout at version 3');
  });

  it('--wait exits 5 while still pending at --timeout and 3 once rejected; watch follows the timeline to the end', async () => {
    const timedOut = await cli(['--json', 'submit', 'feature-flag', 'cli-prod', 'setRollout', '--set', 'percentage=0', '--tag', 'prod', '--wait', '--timeout', '2s']);
    expect(timedOut.exitCode).toBe(5);
    const pending = json(timedOut);
    expect(pending).toMatchObject({ status: 'pending' });

    const watching = cli(['watch', pending.mutationId]);
    const waitingRejected = cli(['submit', 'feature-flag', 'cli-prod', 'setRollout', '--set', 'percentage=0', '--tag', 'prod', '--wait', '--timeout', '120s', '--idempotency-key', 'cli-reject']);
    const rejected = await cli(['reject', pending.mutationId, '--comment', 'not now'], 'bob');
    expect(rejected).toMatchObject({ exitCode: 0, stdout: `Rejected ${pending.mutationId}: rejected\n` });
    const watched = await watching;
    expect(watched.exitCode).toBe(0);
    expect(watched.stdout).toMatch(/MutationPending +waits for approval: 1 × release-manager/);
    expect(watched.stdout).toMatch(/ApprovalRejected +bob \(release-manager, step 1\): "not now"/);
    expect(watched.stdout.trimEnd().split('\n').at(-1)).toBe('rejected feature-flag/cli-prod setRollout');

    // The second one waits too; bob rejects it once it is in his queue.
    const second = await waitFor(
      () => cli(['--json', 'list', '--state-id', 'cli-prod', '--status', 'pending']),
      (result) => json(result).items.length === 1,
    );
    expect((await cli(['reject', json(second).items[0].mutationId], 'bob')).exitCode).toBe(0);
    const ended = await waitingRejected;
    expect(ended.exitCode).toBe(3);
    expect(ended.stderr).toContain('ended rejected');
  });

  it('status, cancel, list, state, history and diff', async () => {
    const submitted = json(await cli(['--json', 'submit', 'feature-flag', 'cli-prod', 'setRollout', '--set', 'percentage=0', '--tag', 'prod', '--reason', 'roll back fully']));
    expect(submitted.status).toBe('pending');
    const cancelled = await cli(['cancel', submitted.mutationId, '--reason', 'not today']);
    expect(cancelled).toMatchObject({ exitCode: 0, stdout: `Cancelled ${submitted.mutationId}: cancelled\n` });
    const status = await cli(['status', submitted.mutationId]);
    expect(status.stdout).toMatch(/Status: +cancelled/);
    expect(status.stdout).toMatch(/MutationCancelled +by alice: not today/);
    expect(json(await cli(['--json', 'status', submitted.mutationId]))).toEqual((await api.request('GET', `/v1/mutations/${submitted.mutationId}?minPosition=${await api.headPosition()}`)).body);

    const listed = json(await cli(['--json', 'list', '--state-id', 'cli-prod', '--tag', 'prod', '--q', 'roll back']));
    expect(listed.items.map((item: { mutationId: string }) => item.mutationId)).toEqual([submitted.mutationId]);
    const all = json(await cli(['--json', 'list', '--state-id', 'cli-prod', '--limit', '2', '--all']));
    expect(all.items).toHaveLength(6);
    expect(all.nextCursor).toBeNull();
    const page = await cli(['list', '--state-id', 'cli-prod', '--limit', '2']);
    expect(page.stdout).toMatch(/\nmore: --cursor \S+ \(or --all\)\n$/);

    const state = await cli(['state', 'feature-flag', 'cli-prod']);
    expect(state.stdout).toMatch(/^feature-flag\/cli-prod at version 3 /);
    expect(json(await cli(['--json', 'state', 'feature-flag', 'cli-prod']))).toMatchObject({ version: 3, state: { enabled: true, rollout: 80 } });
    const history = await cli(['history', 'feature-flag', 'cli-prod']);
    expect(history.stdout.split('\n')[3]).toMatch(/^3 +setRollout +alice +\S+ +rollout /);
    const diff = await cli(['diff', 'feature-flag', 'cli-prod', '--from', '1', '--to', '3']);
    expect(diff.stdout).toBe('feature-flag/cli-prod from version 1 to 3\n  ~ enabled: false → true\n  ~ rollout: 0 → 80\n');
  });

  it('revert undoes an applied change (exit 0) and a second revert conflicts (exit 4)', async () => {
    const opened = json(await cli(['--json', 'submit', 'credit-limit', 'cli-acme', 'open', '--payload', '{"customerId":"acme","currency":"EUR","limit":5000}']));
    expect(opened.status).toBe('applied');
    const raised = json(await cli(['--json', 'submit', 'credit-limit', 'cli-acme', 'setLimit', '--set', 'amount=6000']));
    expect(raised.status).toBe('applied');
    const reverted = await cli(['revert', raised.mutationId, '--reason', 'wrong customer']);
    expect(reverted.exitCode).toBe(0);
    expect(reverted.stdout).toContain(`compensates ${raised.mutationId}`);
    expect(reverted.stdout).toContain('~ limit: 6000 → 5000');
    const again = await cli(['revert', raised.mutationId, '--reason', 'twice']);
    expect(again.exitCode).toBe(4);
    expect(again.stderr).toContain('already_compensated');
  });

  it('batch submits a file and waits for it; batch status shows it', async () => {
    const file = path.join(workDir, 'batch.json');
    await writeFile(
      file,
      JSON.stringify({
        mode: 'independent',
        mutations: [
          { stateType: 'credit-limit', stateId: 'cli-k-1', transition: 'open', payload: { customerId: 'k1', currency: 'EUR' } },
          { stateType: 'credit-limit', stateId: 'cli-k-2', transition: 'open', payload: { customerId: 'k2', currency: 'EUR' } },
        ],
      }),
    );
    const submitted = await cli(['--json', 'batch', file, '--wait', '--timeout', '120s']);
    expect(submitted.exitCode).toBe(0);
    const batch = json(submitted);
    expect(batch).toMatchObject({ mode: 'independent', status: 'applied', steps: [{ status: 'applied' }, { status: 'applied' }] });
    const shown = await cli(['batch', 'status', batch.batchId]);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain(`Batch ${batch.batchId} (independent): applied`);
    expect(shown.stdout).toMatch(/ {2}1 +credit-limit\/cli-k-2 open +applied +1/);
  });

  it('export writes NDJSON and CSV files with every matching mutation and prints nothing extra when stderr is not a terminal', async () => {
    const expected = json(await cli(['--json', 'list', '--state-type', 'feature-flag', '--all'])).items.length;
    const ndjson = path.join(workDir, 'flags.ndjson');
    const exported = await cli(['export', '--state-type', 'feature-flag', '--out', ndjson]);
    expect(exported).toMatchObject({ exitCode: 0, stderr: '' });
    expect(exported.stdout).toMatch(new RegExp(`^Exported ${expected} mutations \\(\\d+ bytes of ndjson\\) to `));
    const lines = (await readFile(ndjson, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(expected);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ stateType: 'feature-flag' });
    const csv = path.join(workDir, 'flags.csv');
    const summary = json(await cli(['--json', 'export', '--state-type', 'feature-flag', '--format', 'csv', '--out', csv]));
    expect(summary).toMatchObject({ format: 'csv', rows: expected, out: csv });
    expect((await readFile(csv, 'utf8')).split('\n')[0]).toMatch(/^mutationId,stateType,stateId,/);
  });

  it('validate checks contract modules offline: exit 0 when valid, 2 with each problem and its line', async () => {
    const folder = path.join(workDir, 'contracts');
    await mkdir(folder);
    await writeFile(
      path.join(folder, 'parking-lot.ts'),
      `import { defineContract } from '@countersign/domain';\n\ninterface Lot { spaces: number }\n\nexport const lot = defineContract<Lot>({\n  stateType: 'parking-lot',\n  stateSchema: { type: 'object' },\n  transitions: { open: { creates: true, payloadSchema: { type: 'object' }, effects: () => [] } },\n});\n`,
    );
    const valid = await runCliProcess(['validate', folder], { COUNTERSIGN_URL: 'http://127.0.0.1:9' });
    expect(valid).toMatchObject({ exitCode: 0, stderr: '' });
    expect(valid.stdout).toBe(`ok     parking-lot (${path.join(folder, 'parking-lot.ts')}): open\n1 contract, 0 problems\n`);
    await writeFile(path.join(folder, 'taken.ts'), `import { defineContract } from '@countersign/domain';\nexport const flag = defineContract({ stateType: 'feature-flag', stateSchema: {}, transitions: { make: { creates: true, payloadSchema: {}, effects: () => [] } } });\n`);
    await writeFile(path.join(folder, 'wrong.ts'), `import { defineContract } from '@countersign/domain';\n\nexport const wrong = defineContract({\n  stateType: 'Wrong Name',\n  stateSchema: {},\n  transitions: {},\n});\n`);
    const invalid = await runCliProcess(['validate', folder], {});
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stdout).toContain(`error  ${path.join(folder, 'taken.ts')}: contract "feature-flag" from ${path.join(folder, 'taken.ts')} is already registered`);
    expect(invalid.stdout).toContain(`error  ${path.join(folder, 'wrong.ts')}:3:`);
    expect(invalid.stdout).toContain('1 contract, 2 problems');
    expect(invalid.stderr).toBe(`countersign: 2 problems in ${folder}\n`);
  });

  it('login saves a verified profile in a 0600 config file and later commands use it without any environment', async () => {
    const configFile = path.join(workDir, 'xdg', 'countersign', 'config.json');
    const env = { XDG_CONFIG_HOME: path.join(workDir, 'xdg') };
    const refused = await runCliProcess(['login', '--url', api.baseUrl, '--token', 'not-a-token'], env);
    expect(refused.exitCode).toBe(1);
    await expect(stat(configFile)).rejects.toMatchObject({ code: 'ENOENT' });
    const saved = await runCliProcess(['login', '--url', api.baseUrl, '--token', TEST_PRINCIPALS.bob.token, '--profile', 'bob'], env);
    expect(saved).toMatchObject({ exitCode: 0, stdout: `Saved profile bob (${api.baseUrl}) in ${configFile}; it is the default now.\n` });
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const queue = await runCliProcess(['--json', 'pending'], env);
    expect(queue.exitCode).toBe(0);
    expect(json(queue)).toMatchObject({ items: expect.any(Array), nextCursor: null });
    const named = await runCliProcess(['--profile', 'carol', 'pending'], env);
    expect(named.exitCode).toBe(2);
  });
});
