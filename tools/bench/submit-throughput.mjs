// bench:submit — governed submits (POST /v1/mutations through the built API process) against a
// baseline HTTP write (plain Fastify + pg, one INSERT per request), interleaved in one run.
//
//   npm run bench:submit
//   BENCH_DURATION=3 BENCH_ROUNDS=2 node tools/bench/submit-throughput.mjs
//
// env: BENCH_DURATION seconds per round (10), BENCH_ROUNDS rounds per contender (3, at least 2),
//      BENCH_CONNECTIONS (32), BENCH_STATES pre-created credit-limit states (1000),
//      BENCH_WARMUP seconds of unreported load per contender before the rounds (3),
//      BENCH_NO_WORKER=1 adds a third contender: the API with COUNTERSIGN_RUN_WORKER=false
//      (write path only, projections not running), to split the cost of the in-process worker,
//      BENCH_CPU_PROF=<dir> runs the API child with --cpu-prof into <dir>,
//      BENCH_COUNT_QUERIES=1 counts the SQL statements the API sends per submit (tools/bench/count-queries.mjs),
//      COUNTERSIGN_DB_POOL_SIZE (20) for both servers, DATABASE_URL to use an existing server.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import {
  ROOT,
  commandLine,
  createDatabase,
  describePostgres,
  envNumber,
  findFreePort,
  formatFixed,
  formatInteger,
  headerLines,
  machineBusySeconds,
  machineInfo,
  markdownTable,
  median,
  onCleanup,
  postgresCpuByPid,
  postgresCpuDelta,
  processCpuSeconds,
  processSystemCpuSeconds,
  progress,
  runBenchmark,
  sleep,
  spawnNodeServer,
  startPostgres,
  waitForQuietMachine,
} from './lib.mjs';

const DURATION = envNumber('BENCH_DURATION', 10, { min: 1 });
const ROUNDS = Math.max(2, envNumber('BENCH_ROUNDS', 3, { min: 1, integer: true }));
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 32, { min: 1, integer: true });
const STATES = envNumber('BENCH_STATES', 1000, { min: 1, integer: true });
const WARMUP = envNumber('BENCH_WARMUP', 3, { min: 0 });
const POOL_SIZE = envNumber('COUNTERSIGN_DB_POOL_SIZE', 20, { min: 2, integer: true });
const NO_WORKER_VARIANT = ['1', 'true', 'yes'].includes((process.env.BENCH_NO_WORKER ?? '').toLowerCase());
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const COUNT_QUERIES = ['1', 'true', 'yes'].includes((process.env.BENCH_COUNT_QUERIES ?? '').toLowerCase());

const PRINCIPAL = { id: 'bench-operator', kind: 'service', roles: ['operator'], token: 'bench-token-0123456789abcdef' };
const STATE_TYPE = 'credit-limit';
const stateIds = Array.from({ length: STATES }, (_, index) => `bench-${index}`);

function randomStateId() {
  return stateIds[Math.floor(Math.random() * stateIds.length)];
}

let countDir;

async function startApi(label, databaseUrl, extraEnv = {}) {
  const port = await findFreePort();
  const args = [];
  let queryCountFile;
  if (COUNT_QUERIES) {
    if (!countDir) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-queries-'));
      onCleanup('query count files', () => rm(dir, { recursive: true, force: true }));
      countDir = dir;
    }
    queryCountFile = path.join(countDir, `${label.replace(/\W+/g, '-')}.json`);
    args.push('--import', pathToFileURL(path.join(ROOT, 'tools/bench/count-queries.mjs')).href);
  }
  if (CPU_PROF_DIR) {
    await mkdir(CPU_PROF_DIR, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`);
  }
  args.push(path.join(ROOT, 'apps/api/dist/main.js'));
  const server = await spawnNodeServer({
    label,
    args,
    env: {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      COUNTERSIGN_PRINCIPALS: JSON.stringify([PRINCIPAL]),
      COUNTERSIGN_LOG: 'silent',
      COUNTERSIGN_DB_POOL_SIZE: String(POOL_SIZE),
      ...(queryCountFile ? { BENCH_QUERY_COUNT_FILE: queryCountFile } : {}),
      ...extraEnv,
    },
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  return { ...server, baseUrl: `http://127.0.0.1:${port}`, queryCountFile };
}

/** Asks the counting preload for the statements since the last call (and resets them). */
async function takeQueryCounts(server) {
  if (!server.queryCountFile) return undefined;
  await rm(server.queryCountFile, { force: true });
  server.child.kill('SIGUSR2');
  for (let waited = 0; waited < 5_000; waited += 20) {
    try {
      return JSON.parse(await readFile(server.queryCountFile, 'utf8'));
    } catch {
      await sleep(20);
    }
  }
  throw new Error(`no query counts from ${server.queryCountFile}`);
}

function statementCategory(sql) {
  if (sql.includes('countersign_append')) return 'write path: append (countersign_append / _batch)';
  if (sql.includes('stream_name = $1 AND stream_revision')) return 'write path: readStream (lane load)';
  if (sql === 'SELECT position FROM es_log_head' || sql.startsWith('SELECT projection, position, updated_at')) return 'other: health checks of this benchmark';
  if (sql.includes('WHERE position > $1 ORDER BY position')) return 'projections: readAll (per runner per batch)';
  if (/^(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)/i.test(sql)) return 'projections: BEGIN / COMMIT';
  if (sql.includes('projection_checkpoints')) return 'projections: checkpoint insert / lock / update';
  const statement = /^(INSERT INTO|UPDATE|DELETE FROM|SELECT .*? FROM)\s+"?(\w+)/i.exec(sql);
  if (statement) return `read-model tables: ${statement[1].startsWith('SELECT') ? 'SELECT FROM' : statement[1].toUpperCase()} ${statement[2]}`;
  return `other: ${sql.length > 70 ? `${sql.slice(0, 70)}…` : sql}`;
}

async function startBaseline(databaseUrl) {
  const port = await findFreePort();
  const server = await spawnNodeServer({
    label: 'baseline server',
    args: [path.join(ROOT, 'tools/bench/baseline-server.mjs')],
    env: { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', COUNTERSIGN_DB_POOL_SIZE: String(POOL_SIZE) },
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  return { ...server, baseUrl: `http://127.0.0.1:${port}` };
}

/** Opens the N credit-limit states through the API (`open`), 32 at a time; every one must answer 201. */
async function precreateStates(baseUrl) {
  let next = 0;
  const failures = [];
  const worker = async () => {
    while (next < stateIds.length) {
      const stateId = stateIds[next++];
      const response = await fetch(`${baseUrl}/v1/mutations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PRINCIPAL.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ stateType: STATE_TYPE, stateId, transition: 'open', payload: { customerId: stateId, currency: 'EUR' } }),
      });
      if (response.status !== 201) failures.push(`${stateId}: ${response.status} ${await response.text()}`);
      else await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  if (failures.length > 0) throw new Error(`${failures.length} of ${stateIds.length} opens failed, first: ${failures[0]}`);
}

function governedRequests() {
  return [
    {
      method: 'POST',
      path: '/v1/mutations',
      headers: { authorization: `Bearer ${PRINCIPAL.token}`, 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ stateType: STATE_TYPE, stateId: randomStateId(), transition: 'raiseLimit', payload: { by: 1 } }),
      }),
    },
  ];
}

function baselineRequests() {
  // The same body the governed submit sends, so both servers parse and store the same JSON.
  return [
    {
      method: 'POST',
      path: '/baseline',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ stateType: STATE_TYPE, stateId: randomStateId(), transition: 'raiseLimit', payload: { by: 1 } }),
      }),
    },
  ];
}

function load(contender, seconds) {
  return autocannon({
    url: contender.server.baseUrl,
    connections: CONNECTIONS,
    duration: seconds,
    requests: contender.requests(),
  });
}

async function projectionLag(baseUrl) {
  const response = await fetch(`${baseUrl}/health`);
  const health = await response.json();
  const head = health.details?.log?.headPosition ?? Number.NaN;
  const lag = Math.max(0, ...(health.details?.projections ?? []).map((projection) => projection.lag));
  return { head, lag };
}

async function waitForProjections(baseUrl, timeoutMs = 120_000) {
  const started = Date.now();
  for (;;) {
    const { lag } = await projectionLag(baseUrl);
    if (lag === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return Number.NaN;
    await sleep(100);
  }
}

async function measure(contender, round, postmasterPid) {
  await waitForQuietMachine(`round ${round} of ${contender.name}`);
  if (contender.kind !== 'baseline') await takeQueryCounts(contender.server);
  const serverCpuBefore = processCpuSeconds(contender.server.pid);
  const serverSystemBefore = processSystemCpuSeconds(contender.server.pid);
  const postgresBefore = postgresCpuByPid(postmasterPid);
  const machineBefore = machineBusySeconds();
  const loadCpuBefore = process.cpuUsage();
  const result = await load(contender, DURATION);
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const machineBusy = machineBusySeconds() - machineBefore;
  const serverCpu = processCpuSeconds(contender.server.pid) - serverCpuBefore;
  const serverSystem = processSystemCpuSeconds(contender.server.pid) - serverSystemBefore;
  const postgresCpu = postgresCpuDelta(postgresBefore, postgresCpuByPid(postmasterPid));
  const ok = result.statusCodeStats?.[String(contender.expectedStatus)]?.count ?? 0;
  const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, stats) => sum + stats.count, 0);
  const row = {
    round,
    contender: contender.name,
    kind: contender.kind,
    reqPerSec: result.requests.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered,
    ok,
    unexpected: answered - ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count])),
    serverCpuMsPerReq: (serverCpu * 1000) / Math.max(1, answered),
    serverCores: serverCpu / result.duration,
    serverSystemShare: serverSystem / serverCpu,
    postgresCpuMsPerReq: (postgresCpu * 1000) / Math.max(1, answered),
    postgresCores: postgresCpu / result.duration,
    loadCpuMsPerReq: ((loadCpu.user + loadCpu.system) / 1000) / Math.max(1, answered),
    // Whatever else kept the machine busy during the round (other jobs on a shared VM, kernel work): noise.
    otherCores: (machineBusy - serverCpu - postgresCpu - (loadCpu.user + loadCpu.system) / 1e6) / result.duration,
  };
  if (contender.projectsInProcess) {
    const { lag } = await projectionLag(contender.server.baseUrl);
    row.lagAtEnd = lag;
    row.catchUpMs = lag > 0 ? await waitForProjections(contender.server.baseUrl) : 0;
    // All the CPU the round's submits cost, including the projection work deferred to the catch-up.
    const fullServerCpu = processCpuSeconds(contender.server.pid) - serverCpuBefore;
    const fullPostgresCpu = postgresCpuDelta(postgresBefore, postgresCpuByPid(postmasterPid));
    row.fullCpuMsPerSubmit = ((fullServerCpu + fullPostgresCpu) * 1000) / Math.max(1, answered);
    // Submits per second once the read models have absorbed them too: what the API plus its
    // in-process projections can sustain, rather than a rate paid for with a growing lag.
    row.sustainedPerSec = row.ok / (result.duration + row.catchUpMs / 1000);
  }
  // Counted after the catch-up, so the projection work the round caused is included.
  if (contender.kind !== 'baseline') row.queryCounts = await takeQueryCounts(contender.server);
  if (process.env.BENCH_DEBUG_QUERIES && row.queryCounts) progress(JSON.stringify(row.queryCounts, null, 1));
  progress(
    `round ${round} ${contender.name}: ${formatInteger(row.reqPerSec)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ` +
      `${row.unexpected} unexpected statuses ${JSON.stringify(row.statusCodes)}, ${row.errors} errors, other CPU ${formatFixed(row.otherCores, 2)} cores` +
      (row.lagAtEnd !== undefined ? `, projection lag at end ${row.lagAtEnd} events (caught up in ${row.catchUpMs} ms)` : ''),
  );
  return row;
}

async function main() {
  const machine = machineInfo();
  const postgres = await startPostgres();
  const { version: postgresVersion, postmasterPid } = await describePostgres(postgres.serverUrl);
  progress(`PostgreSQL ${postgresVersion}${postmasterPid ? ` (postmaster pid ${postmasterPid})` : ''}`);

  const apiDb = await createDatabase(postgres.serverUrl, 'bench_submit_api');
  const baselineDb = await createDatabase(postgres.serverUrl, 'bench_submit_baseline');
  progress('starting the API and the baseline server');
  const api = await startApi('api', apiDb);
  const baseline = await startBaseline(baselineDb);

  const contenders = [
    { name: 'baseline (Fastify + pg INSERT)', kind: 'baseline', server: baseline, requests: baselineRequests, expectedStatus: 201 },
    { name: 'governed submit (API)', kind: 'governed', server: api, requests: governedRequests, expectedStatus: 201, projectsInProcess: true },
  ];
  if (NO_WORKER_VARIANT) {
    const noWorkerDb = await createDatabase(postgres.serverUrl, 'bench_submit_noworker');
    const noWorker = await startApi('api without worker', noWorkerDb, { COUNTERSIGN_RUN_WORKER: 'false' });
    contenders.push({ name: 'governed submit (API, no in-process projections)', kind: 'governed-no-worker', server: noWorker, requests: governedRequests, expectedStatus: 201 });
  }

  for (const contender of contenders.filter((candidate) => candidate.kind !== 'baseline')) {
    progress(`opening ${STATES} ${STATE_TYPE} states through ${contender.name}`);
    await precreateStates(contender.server.baseUrl);
    if (contender.projectsInProcess) await waitForProjections(contender.server.baseUrl);
  }

  if (WARMUP > 0) {
    for (const contender of contenders) {
      progress(`warm-up ${contender.name} (${WARMUP} s, not reported)`);
      await load(contender, WARMUP);
      if (contender.projectsInProcess) await waitForProjections(contender.server.baseUrl);
    }
  }

  const rows = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const contender of contenders) rows.push(await measure(contender, round, postmasterPid));
  }

  // ---- report
  const lines = headerLines({
    title: 'bench:submit — governed submit vs. baseline HTTP write',
    command: commandLine(),
    machine,
    postgresVersion,
    postgresWhere: postgres.embedded ? 'embedded, ephemeral, stock durability' : 'DATABASE_URL',
    extra: [
      `autocannon: ${CONNECTIONS} connections, ${DURATION} s per round, ${ROUNDS} rounds per contender, interleaved; ${WARMUP} s unreported warm-up each`,
      `governed: \`POST /v1/mutations\` raiseLimit {by: 1} on a random one of ${STATES} pre-opened credit-limit states, bearer token; the API runs its projection worker in-process (default)`,
      'baseline: plain Fastify 5 (not NestJS) + pg Pool, `POST /baseline` = one autocommit `INSERT ... RETURNING id` of the JSON body (jsonb), 201',
      `pool size ${POOL_SIZE} (COUNTERSIGN_DB_POOL_SIZE) in both servers; each server on its own database of the same PostgreSQL`,
      'CPU columns from /proc: the server process, all PostgreSQL processes, this load generator, and "other" = everything else busy on the machine during the round (noise from other jobs)',
    ],
  });
  lines.push(
    ...markdownTable(
      ['round', 'contender', 'req/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'projection lag at end of round', 'catch-up after round', 'sustained req/s (submits ÷ (round + catch-up))'],
      rows.map((row) => [
        String(row.round),
        row.contender,
        formatInteger(row.reqPerSec),
        String(row.p50),
        String(row.p99),
        String(row.non2xx),
        String(row.errors),
        row.lagAtEnd === undefined ? '—' : `${formatInteger(row.lagAtEnd)} events`,
        row.catchUpMs === undefined ? '—' : `${formatFixed(row.catchUpMs / 1000, 1)} s`,
        row.sustainedPerSec === undefined ? '—' : formatInteger(row.sustainedPerSec),
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'CPU per request during each round (cores = CPU seconds per wall second; "other" = other jobs on the shared VM, i.e. noise):',
    '',
    ...markdownTable(
      ['round', 'contender', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'load generator CPU ms/req', 'other CPU', 'server + PostgreSQL CPU ms/submit incl. catch-up'],
      rows.map((row) => [
        String(row.round),
        row.contender,
        `${formatFixed(row.serverCpuMsPerReq, 3)} (${formatFixed(row.serverCores, 2)} cores, ${formatFixed(row.serverSystemShare * 100, 0)}% sys)`,
        `${formatFixed(row.postgresCpuMsPerReq, 3)} (${formatFixed(row.postgresCores, 2)} cores)`,
        formatFixed(row.loadCpuMsPerReq, 3),
        `${formatFixed(row.otherCores, 2)} cores`,
        row.fullCpuMsPerSubmit === undefined ? formatFixed(row.serverCpuMsPerReq + row.postgresCpuMsPerReq, 3) : formatFixed(row.fullCpuMsPerSubmit, 3),
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  const baselineMedian = median(rows.filter((row) => row.kind === 'baseline').map((row) => row.reqPerSec));
  const summary = contenders.map((contender) => {
    const own = rows.filter((row) => row.kind === contender.kind);
    const rate = median(own.map((row) => row.reqPerSec));
    // Ratio per round (each governed round against the baseline round just before it), then the median.
    const ratios = own.map((row) => row.reqPerSec / (rows.find((other) => other.kind === 'baseline' && other.round === row.round)?.reqPerSec ?? Number.NaN));
    return [
      contender.name,
      formatInteger(rate),
      formatFixed(median(own.map((row) => row.p50)), 1),
      formatFixed(median(own.map((row) => row.p99)), 1),
      String(own.reduce((sum, row) => sum + row.unexpected + row.errors, 0)),
      contender.kind === 'baseline' ? '1.00' : `${formatFixed(median(ratios), 2)} (rounds: ${ratios.map((ratio) => formatFixed(ratio, 2)).join(', ')})`,
      contender.projectsInProcess ? `${formatInteger(median(own.map((row) => row.sustainedPerSec)))} (${formatFixed(median(own.map((row, index) => row.sustainedPerSec / rows.filter((other) => other.kind === 'baseline')[index].reqPerSec)), 2)})` : '—',
    ];
  });
  lines.push(
    ...markdownTable(
      ['contender', 'median req/s', 'median p50 ms', 'median p99 ms', 'unexpected statuses + errors', 'ratio to baseline (median of rounds)', 'sustained req/s incl. projection catch-up (ratio)'],
      summary,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  const governedRows = rows.filter((row) => row.kind === 'governed');
  const governedMedian = median(governedRows.map((row) => row.reqPerSec));
  const ratio = median(governedRows.map((row) => row.reqPerSec / (rows.find((other) => other.kind === 'baseline' && other.round === row.round)?.reqPerSec ?? Number.NaN)));
  lines.push(
    `Target: governed ≥ 0.5 × baseline. Median governed ${formatInteger(governedMedian)} req/s vs baseline ${formatInteger(baselineMedian)} req/s ` +
      `(median of per-round ratios ${formatFixed(ratio, 2)}: ${ratio >= 0.5 ? 'meets' : 'misses'} the target).`,
  );
  if (COUNT_QUERIES) {
    const governedKinds = contenders.filter((contender) => contender.kind !== 'baseline');
    const perSubmit = governedKinds.map((contender) => {
      const own = rows.filter((row) => row.kind === contender.kind);
      const submits = own.reduce((sum, row) => sum + row.ok, 0);
      const byCategory = new Map();
      for (const row of own) for (const [sql, count] of Object.entries(row.queryCounts ?? {})) byCategory.set(statementCategory(sql), (byCategory.get(statementCategory(sql)) ?? 0) + count);
      return { contender, submits, byCategory };
    });
    const categories = [...new Set(perSubmit.flatMap((entry) => [...entry.byCategory.keys()]))].sort();
    lines.push('', 'SQL statements (= round trips) the API sent per 201 submit, counted in the API process over the measured rounds and the projection catch-up after each:', '');
    lines.push(
      ...markdownTable(
        ['statement', ...perSubmit.map((entry) => entry.contender.name)],
        [
          ...categories.map((category) => [category, ...perSubmit.map((entry) => formatFixed((entry.byCategory.get(category) ?? 0) / Math.max(1, entry.submits), 2))]),
          ['all but "other"', ...perSubmit.map((entry) => formatFixed([...entry.byCategory].filter(([category]) => !category.startsWith('other')).reduce((sum, [, count]) => sum + count, 0) / Math.max(1, entry.submits), 2))],
        ],
        ['l', ...perSubmit.map(() => 'r')],
      ),
    );
    lines.push('', 'The baseline sends 1 statement per request.');
  }
  if (CPU_PROF_DIR) lines.push('', `CPU profiles of the API process are written to ${CPU_PROF_DIR} when it exits.`);

  process.stdout.write(`\n${lines.join('\n')}\n`);
  const unexpected = rows.filter((row) => row.kind !== 'baseline').reduce((sum, row) => sum + row.unexpected + row.errors, 0);
  if (unexpected > 0) process.stderr.write(`warning: ${unexpected} governed requests did not answer 201\n`);
}

await runBenchmark(main);
