// bench:queries — issue 5's benchmark: a million mutations seeded through the event log and the
// projections, then (a) projection throughput against a raw COPY of the same rows in the same
// run, (b) rebuild time, (c) p50/p95 of every dashboard query shape on the seeded data.
//
//   npm run bench:queries                               # 1,000,000 mutations, ~30 min
//   BENCH_MUTATIONS=50000 node tools/bench/queries/main.mjs   # a quick look
//
// env: BENCH_MUTATIONS recorded mutations to seed (1,000,000), BENCH_CHUNK mutations per seeding
//      pass (20,000; each pass opens BENCH_STATES_PER_CHUNK new states, 200), BENCH_ACTORS
//      requesting actors (60), BENCH_QUERY_RUNS measured runs per shape (40, after 3 warm-ups),
//      BENCH_SKIP_REBUILD=1 to skip the rebuild, DATABASE_URL to use an existing server.
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PostgresEventStore } from '@countersign/event-store';
import { allProjections, PostgresReadModelQueries, ProjectionRunner } from '@countersign/read-models';
import { seedMutations } from '@countersign/read-models/testing';
import { createDataSource } from '@countersign/runtime';
import {
  commandLine,
  cpuWindow,
  createDatabase,
  describePostgres,
  envNumber,
  formatFixed,
  formatInteger,
  headerLines,
  machineInfo,
  markdownTable,
  onCleanup,
  progress,
  runBenchmark,
  sleep,
  startPostgres,
  waitForQuietMachine,
} from '../lib.mjs';
import { copyIn, copyOut } from '../pg-copy.mjs';
import { BufferedLog } from './buffered-log.mjs';
import { loadSamples, picker, queryShapes } from './shapes.mjs';

const MUTATIONS = envNumber('BENCH_MUTATIONS', 1_000_000, { min: 1, integer: true });
const CHUNK = envNumber('BENCH_CHUNK', 20_000, { min: 1, integer: true });
const STATES_PER_CHUNK = envNumber('BENCH_STATES_PER_CHUNK', 200, { min: 1, integer: true });
const ACTORS = envNumber('BENCH_ACTORS', 60, { min: 1, integer: true });
const RUNS = envNumber('BENCH_QUERY_RUNS', 40, { min: 1, integer: true });
const WARMUPS = 3;
const POOL_SIZE = envNumber('COUNTERSIGN_DB_POOL_SIZE', 20, { min: 2, integer: true });
/** ~90 days of history at 1M mutations: the clock moves 8 s per step (three steps in four). */
const STEP_MS = 8_000;

// ---------------------------------------------------------------------------------------------
// Seeding: the shared seeder (domain decisions, real revisions) through a write buffer

async function seedLog(eventStore) {
  const log = new BufferedLog(eventStore);
  const byStatus = {};
  let rejected = 0;
  let seeded = 0;
  let clock = '2030-01-01T00:00:00.000Z';
  const started = performance.now();
  for (let pass = 0; seeded < MUTATIONS; pass += 1) {
    const count = Math.min(CHUNK, MUTATIONS - seeded);
    const result = await seedMutations(log, { count, states: STATES_PER_CHUNK, seed: 20_261_122 + pass, stateIdPrefix: `p${pass}-`, actors: ACTORS, start: clock, stepMs: STEP_MS });
    clock = result.nextClock;
    rejected += result.rejected;
    seeded += result.mutations.length;
    for (const mutation of result.mutations) byStatus[mutation.status] = (byStatus[mutation.status] ?? 0) + 1;
    const seconds = (performance.now() - started) / 1000;
    progress(`seeded ${formatInteger(seeded)}/${formatInteger(MUTATIONS)} mutations (${formatInteger(seeded / seconds)}/s), ${formatInteger(log.written)} events written, clock ${clock.slice(0, 10)}`);
  }
  await log.drain();
  return { byStatus, rejected, mutations: seeded, appends: log.appends, lastClock: clock };
}

// ---------------------------------------------------------------------------------------------
// (a) projections from 0, as a fresh worker would

async function catchUp(dataSource, eventStore, head, postmasterPid) {
  await dataSource.query('DELETE FROM projection_checkpoints');
  const runners = allProjections.map((projection) => new ProjectionRunner(dataSource, eventStore, projection, { log: (line) => progress(line) }));
  const reached = new Map();
  const cpu = cpuWindow(postmasterPid);
  const started = performance.now();
  let lastReport = started;
  try {
    await Promise.all(runners.map((runner) => runner.start()));
    while (reached.size < runners.length) {
      for (const runner of runners) if (!reached.has(runner.name) && runner.position >= head) reached.set(runner.name, (performance.now() - started) / 1000);
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        progress(`catch-up: ${runners.map((runner) => `${runner.name} ${Math.floor((runner.position / head) * 100)}%`).join(', ')}`);
      }
      await sleep(20);
    }
  } finally {
    await Promise.all(runners.map((runner) => runner.stop()));
  }
  return { seconds: Math.max(...reached.values()), usage: cpu(), perProjection: runners.map((runner) => ({ name: runner.name, seconds: reached.get(runner.name) })) };
}

// ---------------------------------------------------------------------------------------------
// (b) the raw COPY baseline: the rows the projections wrote, loaded into identical empty tables

/**
 * COPY FROM a server-side file when the role may (a superuser, as on the embedded server): the
 * rawest load PostgreSQL has. Otherwise COPY FROM STDIN, streamed from a local file.
 */
async function copyBaseline(client, tables, postmasterPid, superuser) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'countersign-bench-copy-'));
  // The server (running as its own OS user) writes and reads the files.
  await chmod(folder, 0o777);
  onCleanup('COPY files', () => rm(folder, { recursive: true, force: true }));
  const results = [];
  for (const table of tables) {
    const copyTable = `bench_copy_${table}`;
    const file = path.join(folder, `${table}.copy`);
    await client.query(`DROP TABLE IF EXISTS "${copyTable}"`);
    await client.query(`CREATE TABLE "${copyTable}" (LIKE "${table}" INCLUDING ALL)`);
    let rows;
    let seconds;
    let usage;
    if (superuser) {
      await client.query(`COPY "${table}" TO '${file}'`);
      const cpu = cpuWindow(postmasterPid);
      const started = performance.now();
      rows = (await client.query(`COPY "${copyTable}" FROM '${file}'`)).rowCount;
      seconds = (performance.now() - started) / 1000;
      usage = cpu();
    } else {
      const exported = await copyOut(client, `COPY "${table}" TO STDOUT`);
      const cpu = cpuWindow(postmasterPid);
      const started = performance.now();
      rows = (await copyIn(client, `COPY "${copyTable}" FROM STDIN`, exported.chunks)).rows;
      seconds = (performance.now() - started) / 1000;
      usage = cpu();
    }
    const bytes = superuser ? (await stat(file)).size : 0;
    results.push({ table, rows, seconds, usage, bytes });
    progress(`COPY ${table}: ${formatInteger(rows)} rows in ${formatFixed(seconds, 2)} s`);
    await client.query(`DROP TABLE "${copyTable}"`);
    await rm(file, { force: true });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (c) rebuild, as `npm run rebuild` does: each projection replays the whole log in one transaction

async function rebuildAll(dataSource, eventStore, postmasterPid) {
  const results = [];
  for (const projection of allProjections) {
    const runner = new ProjectionRunner(dataSource, eventStore, projection, { log: (line) => progress(line) });
    const cpu = cpuWindow(postmasterPid);
    const started = performance.now();
    let lastReport = started;
    const result = await runner.rebuild((step) => {
      if (performance.now() - lastReport < 15_000) return;
      lastReport = performance.now();
      progress(`rebuild ${projection.name}: position ${formatInteger(step.position)}/${formatInteger(step.head)}`);
    });
    results.push({ name: projection.name, events: result.events, seconds: (performance.now() - started) / 1000, usage: cpu() });
    progress(`rebuilt ${projection.name} in ${formatFixed(results.at(-1).seconds, 1)} s`);
  }
  return results;
}

async function tableCounts(dataSource, tables) {
  const counts = {};
  for (const table of tables) counts[table] = Number((await dataSource.query(`SELECT count(*)::bigint AS n FROM "${table}"`))[0].n);
  return counts;
}

// ---------------------------------------------------------------------------------------------
// (d) the query shapes

function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

async function measureShapes(queries, samples) {
  const results = [];
  for (const [index, shape] of queryShapes().entries()) {
    const pick = picker(1_000 + index);
    const prepared = shape.prepare ? await shape.prepare(queries) : undefined;
    for (let warm = 0; warm < WARMUPS; warm += 1) await shape.run(queries, pick, samples, prepared);
    const timings = [];
    let rows = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      rows += await shape.run(queries, pick, samples, prepared);
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    const result = { name: shape.name, route: shape.route, p50: percentile(timings, 0.5), p95: percentile(timings, 0.95), max: timings.at(-1), rows: rows / RUNS };
    results.push(result);
    progress(`${shape.name}: p50 ${formatFixed(result.p50, 1)} ms, p95 ${formatFixed(result.p95, 1)} ms`);
  }
  return results;
}

/** A whole export, unfiltered and filtered: rows per second and the process's peak heap growth. */
async function measureExport(queries, filters) {
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const started = performance.now();
  let rows = 0;
  for await (const _row of queries.streamMutations(filters)) {
    rows += 1;
    if (rows % 10_000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  return { rows, seconds: (performance.now() - started) / 1000, heapGrowthMiB: (heapPeak - heapBefore) / 2 ** 20 };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const machine = machineInfo();
  const postgres = await startPostgres();
  const { version: postgresVersion, postmasterPid } = await describePostgres(postgres.serverUrl);
  const databaseUrl = await createDatabase(postgres.serverUrl, 'bench_queries');
  const dataSource = await createDataSource(databaseUrl, POOL_SIZE);
  onCleanup('data source', () => dataSource.destroy());
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  pool.on('error', () => undefined);
  onCleanup('event store pool', () => pool.end());
  const eventStore = new PostgresEventStore(pool);
  onCleanup('event store', () => eventStore.close());

  progress(`seeding ${formatInteger(MUTATIONS)} mutations in passes of ${formatInteger(CHUNK)} (${STATES_PER_CHUNK} new states each, ${ACTORS} actors)`);
  const seedStarted = performance.now();
  const seeded = await seedLog(eventStore);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const head = await eventStore.headPosition();
  progress(`log: ${formatInteger(head)} events in ${formatFixed(seedSeconds, 1)} s; VACUUM ANALYZE`);
  await pool.query('VACUUM ANALYZE es_events');
  await pool.query('CHECKPOINT');

  await waitForQuietMachine('the catch-up');
  progress('(a) catch-up of every projection from position 0');
  const caughtUp = await catchUp(dataSource, eventStore, head, postmasterPid);
  const tables = allProjections.flatMap((projection) => projection.tables);
  const counts = await tableCounts(dataSource, tables);
  progress(`caught up in ${formatFixed(caughtUp.seconds, 1)} s; rows ${JSON.stringify(counts)}`);
  await pool.query('CHECKPOINT');

  await waitForQuietMachine('the COPY baseline');
  progress('(b) COPY baseline');
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  const superuser = (await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper === true;
  const copies = await copyBaseline(client, tables, postmasterPid, superuser);
  await client.end();
  await pool.query('CHECKPOINT');

  let rebuilds;
  if (process.env.BENCH_SKIP_REBUILD !== '1') {
    await waitForQuietMachine('the rebuild');
    progress('(c) rebuild of every projection from the log');
    rebuilds = await rebuildAll(dataSource, eventStore, postmasterPid);
    const after = await tableCounts(dataSource, tables);
    if (JSON.stringify(after) !== JSON.stringify(counts)) throw new Error(`the rebuild produced other row counts: ${JSON.stringify(after)} vs ${JSON.stringify(counts)}`);
  }

  progress('VACUUM ANALYZE of the read models');
  for (const table of tables) await pool.query(`VACUUM ANALYZE "${table}"`);
  await waitForQuietMachine('the queries');
  progress(`(d) ${queryShapes().length} query shapes × ${RUNS} runs`);
  const queries = new PostgresReadModelQueries(dataSource);
  const samples = await loadSamples(dataSource);
  const shapes = await measureShapes(queries, samples);
  progress('(d) whole exports');
  const exports = [
    { label: 'export of every mutation', ...(await measureExport(queries, {})) },
    { label: 'export of riskLevel=high', ...(await measureExport(queries, { riskLevel: 'high' })) },
  ];
  const sizes = await pool.query(
    `SELECT relname, pg_total_relation_size(oid) AS bytes FROM pg_class WHERE relname = ANY($1) ORDER BY relname`,
    [['es_events', ...tables]],
  );

  // ---- report
  const copySeconds = copies.reduce((sum, copy) => sum + copy.seconds, 0);
  const copyRate = head / copySeconds;
  const catchUpRate = head / caughtUp.seconds;
  const lines = headerLines({
    title: `bench:queries — ${formatInteger(seeded.mutations)} mutations: projections vs COPY, rebuild, query p50/p95`,
    command: commandLine(),
    machine,
    postgresVersion,
    postgresWhere: postgres.embedded ? 'embedded, ephemeral, stock durability' : 'DATABASE_URL',
    extra: [
      `log: ${formatInteger(head)} events for ${formatInteger(seeded.mutations)} recorded mutations (${Object.entries(seeded.byStatus).map(([status, count]) => `${formatInteger(count)} ${status}`).join(', ')}; ${formatInteger(seeded.rejected)} submits rejected unrecorded), ` +
        `${formatInteger(Math.ceil(MUTATIONS / CHUNK) * STATES_PER_CHUNK)} states, ${ACTORS} actors, requested from 2030-01-01 to ${seeded.lastClock.slice(0, 10)}`,
      `seeded by \`seedMutations\` (every command decided by the domain, lifecycle events included) through a write buffer that appends each stream's events with its expected revision via PostgresEventStore.appendToStream (${formatInteger(seeded.appends)} appends): ${formatFixed(seedSeconds, 1)} s`,
      `read-model rows: ${Object.entries(counts).map(([table, count]) => `${table} ${formatInteger(count)}`).join(', ')}`,
      `sizes: ${sizes.rows.map((row) => `${row.relname} ${formatFixed(Number(row.bytes) / 2 ** 30, 2)} GiB`).join(', ')}`,
      `baseline: those rows loaded with COPY ${superuser ? 'FROM a server-side file' : 'FROM STDIN'} into empty \`LIKE … INCLUDING ALL\` copies (same indexes), one table after another`,
      `queries: through PostgresReadModelQueries (the query port's SQL; the API adds its HTTP handling), page size 50, ${RUNS} runs per shape after ${WARMUPS} warm-ups, parameters drawn from the data`,
    ],
  });
  const cpuCells = (usage) => (usage ? [formatFixed(usage.selfCores, 2), formatFixed(usage.postgresCores, 2), formatFixed(usage.otherCores, 2)] : ['', '', '']);
  lines.push('Projection throughput and rebuild (events of the log per second):', '');
  lines.push(
    ...markdownTable(
      ['measurement', 'seconds', 'events/s', 'ratio to COPY', 'Node CPU', 'PG CPU', 'other CPU'],
      [
        [`catch-up of all ${allProjections.length} projections from 0, concurrently (slowest)`, formatFixed(caughtUp.seconds, 1), formatInteger(catchUpRate), formatFixed(catchUpRate / copyRate, 2), ...cpuCells(caughtUp.usage)],
        ...caughtUp.perProjection.map((projection) => [`  ${projection.name} reached the head after`, formatFixed(projection.seconds, 1), formatInteger(head / projection.seconds), '', '', '', '']),
        ...(rebuilds ?? []).map((rebuild) => [`rebuild ${rebuild.name}`, formatFixed(rebuild.seconds, 1), formatInteger(rebuild.events / rebuild.seconds), '', ...cpuCells(rebuild.usage)]),
        ...(rebuilds ? [[`rebuild of all ${rebuilds.length}, one after another`, formatFixed(rebuilds.reduce((sum, rebuild) => sum + rebuild.seconds, 0), 1), formatInteger(head / rebuilds.reduce((sum, rebuild) => sum + rebuild.seconds, 0)), formatFixed(head / rebuilds.reduce((sum, rebuild) => sum + rebuild.seconds, 0) / copyRate, 2), '', '', '']] : []),
        ['baseline: COPY of every read-model row', formatFixed(copySeconds, 1), formatInteger(copyRate), '1.00', '', '', ''],
        ...copies.map((copy) => [`  COPY ${copy.table} (${formatInteger(copy.rows)} rows)`, formatFixed(copy.seconds, 2), '', '', ...cpuCells(copy.usage)]),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  lines.push('Query shapes (milliseconds; target p95 < 50 ms):', '');
  lines.push(
    ...markdownTable(
      ['query', 'route', 'p50 ms', 'p95 ms', 'max ms', 'rows (mean)', 'p95 < 50 ms'],
      shapes.map((shape) => [shape.name, `\`${shape.route}\``, formatFixed(shape.p50, 1), formatFixed(shape.p95, 1), formatFixed(shape.max, 1), formatFixed(shape.rows, 0), shape.p95 < 50 ? 'yes' : '**no**']),
      ['l', 'l', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  lines.push('Whole exports (streamed in keyset pages of 1,000):', '');
  lines.push(
    ...markdownTable(
      ['export', 'rows', 'seconds', 'rows/s', 'peak heap growth MiB'],
      exports.map((entry) => [entry.label, formatInteger(entry.rows), formatFixed(entry.seconds, 1), formatInteger(entry.rows / entry.seconds), formatFixed(entry.heapGrowthMiB, 1)]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

await runBenchmark(main);
