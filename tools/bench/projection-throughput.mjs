// bench:projection — how fast the read-model projections turn the event log into rows, against
// bulk-loading the very same rows into identical tables, in one run on one fresh database.
//
//   npm run bench:projection
//   BENCH_EVENTS=10000 node tools/bench/projection-throughput.mjs
//
// env: BENCH_EVENTS events to seed (100000; 2 events per recorded mutation),
//      BENCH_STATES distinct states (BENCH_EVENTS / 20), BENCH_SEED_WRITERS concurrent seeders (8),
//      BENCH_BATCH projection batch size (the runner's default, 500),
//      BENCH_SEEDER=domain to use the built-in seeder even when seedMutations is built,
//      COUNTERSIGN_DB_POOL_SIZE (20), DATABASE_URL to use an existing server.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { creditLimitContract } from '@countersign/contracts';
import { decideSubmit, evolveLane, foldLane, laneStreamName } from '@countersign/domain';
import { PostgresEventStore } from '@countersign/event-store';
import { allProjections, ProjectionRunner } from '@countersign/read-models';
import { createDataSource } from '@countersign/runtime';
import {
  ROOT,
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
  progress,
  runBenchmark,
  onCleanup,
  sleep,
  startPostgres,
  waitForQuietMachine,
} from './lib.mjs';
import { copyIn, copyOut } from './pg-copy.mjs';

const EVENTS = envNumber('BENCH_EVENTS', 100_000, { min: 2, integer: true });
/** For the built-in seeder, which records exactly two events per mutation. */
const MUTATIONS = Math.ceil(EVENTS / 2);
const SEED_WRITERS = envNumber('BENCH_SEED_WRITERS', 8, { min: 1, integer: true });
const STATES = envNumber('BENCH_STATES', Math.max(SEED_WRITERS, Math.round(EVENTS / 20)), { min: 1, integer: true });
const BATCH = process.env.BENCH_BATCH ? envNumber('BENCH_BATCH', 500, { min: 1, integer: true }) : undefined;
const POOL_SIZE = envNumber('COUNTERSIGN_DB_POOL_SIZE', 20, { min: 2, integer: true });
const INSERT_ROWS_PER_STATEMENT = 1000;

// ---------------------------------------------------------------------------------------------
// Seeding

/** The shared seeder of libs/read-models/src/testing when built; undefined otherwise. */
async function findSeedMutations() {
  if (process.env.BENCH_SEEDER === 'domain') return undefined;
  const candidates = [
    '@countersign/read-models/testing',
    pathToFileURL(path.join(ROOT, 'libs/read-models/dist/testing/index.js')).href,
    pathToFileURL(path.join(ROOT, 'libs/read-models/dist/testing/seed-mutations.js')).href,
  ];
  for (const specifier of candidates) {
    if (specifier.startsWith('file:') && !existsSync(new URL(specifier))) continue;
    try {
      const module = await import(specifier);
      if (typeof module.seedMutations === 'function') {
        return { seedMutations: module.seedMutations, source: specifier.startsWith('file:') ? path.relative(ROOT, new URL(specifier).pathname) : specifier };
      }
    } catch {
      // not exported (yet): try the next
    }
  }
  return undefined;
}

/** Splits `total` into `parts` near-equal positive shares. */
function shares(total, parts) {
  const count = Math.min(parts, total);
  return Array.from({ length: count }, (_, index) => Math.floor(total / count) + (index < total % count ? 1 : 0));
}

/**
 * The shared seeder records a mix of mutations, some of which take more than two events (approvals,
 * checks...), so it runs in passes until the log holds at least BENCH_EVENTS events: each pass
 * continues the same states with a fresh seed and a later clock, sized from the events per
 * mutation seen so far. The log may end a little above BENCH_EVENTS.
 */
async function seedWithSharedSeeder(seedMutations, eventStore) {
  const byStatus = {};
  const states = shares(STATES, Math.min(SEED_WRITERS, STATES));
  const clocks = states.map(() => undefined);
  let rejected = 0;
  let mutations = 0;
  let head = await eventStore.headPosition();
  for (let pass = 0; head < EVENTS; pass += 1) {
    // A small first pass measures the events per mutation; later passes aim just below the target.
    const wanted = mutations === 0 ? Math.ceil(EVENTS / 40) : Math.floor(((EVENTS - head) / (head / mutations)) * 0.98);
    const counts = shares(Math.max(states.length, wanted), states.length);
    const results = await Promise.all(
      counts.map((count, writer) =>
        seedMutations(eventStore, {
          count,
          states: states[writer],
          seed: 20_261_122 + pass * 1_000 + writer,
          stateIdPrefix: `w${writer}-`,
          ...(clocks[writer] ? { start: clocks[writer] } : {}),
        }),
      ),
    );
    results.forEach((result, writer) => {
      clocks[writer] = result.nextClock;
      rejected += result.rejected;
      mutations += result.mutations.length;
      for (const mutation of result.mutations) byStatus[mutation.status] = (byStatus[mutation.status] ?? 0) + 1;
    });
    head = await eventStore.headPosition();
  }
  return { byStatus, rejected, mutations };
}

/**
 * Fallback when the shared seeder is not built: credit-limit lanes driven through the real
 * decider (decideSubmit on lanes folded with foldLane/evolveLane) and appended with the
 * expected revision, as the API's write path does.
 */
async function seedWithDomain(eventStore) {
  const contract = creditLimitContract;
  const actors = [
    { id: 'alice', kind: 'human', roles: ['operator'] },
    { id: 'deploy-bot', kind: 'service', roles: ['operator'] },
    { id: 'copilot', kind: 'agent', roles: ['operator'] },
    { id: 'carol', kind: 'human', roles: ['risk-officer'] },
  ];
  const byStatus = {};
  let rejected = 0;
  const counts = shares(MUTATIONS, SEED_WRITERS);
  const states = shares(STATES, counts.length);
  let clock = Date.parse('2030-01-01T00:00:00.000Z');
  await Promise.all(
    counts.map(async (count, writer) => {
      const lanes = new Map();
      let recorded = 0;
      while (recorded < count) {
        const stateId = `w${writer}-customer-${Math.floor(Math.random() * states[writer])}`;
        const entry = lanes.get(stateId) ?? { lane: foldLane(contract.stateType, stateId, []), revision: 'no_stream' };
        const { transition, payload } = entry.lane.exists
          ? Math.random() < 0.5
            ? { transition: 'raiseLimit', payload: { by: [100, 900, 5_000, 15_000, 150_000][Math.floor(Math.random() * 5)] } }
            : { transition: 'setLimit', payload: { amount: [0, 1_000, 8_000, 50_000][Math.floor(Math.random() * 4)] + Math.floor(Math.random() * 1_000) } }
          : { transition: 'open', payload: { customerId: stateId, currency: 'EUR' } };
        clock += 250;
        const mutationId = crypto.randomUUID();
        const outcome = decideSubmit(
          {
            type: 'SubmitMutation',
            mutationId,
            stateId,
            transition,
            payload,
            actor: actors[Math.floor(Math.random() * actors.length)],
            classification: Math.random() < 0.3 ? { tags: ['prod'], metadata: { ticket: `OPS-${Math.floor(Math.random() * 1000)}` } } : {},
            now: new Date(clock).toISOString(),
          },
          entry.lane,
          contract,
          { approvalTtlMs: 86_400_000 },
        );
        if (outcome.kind !== 'recorded') {
          rejected += 1;
          continue;
        }
        const events = outcome.events.map((event) => ({ id: crypto.randomUUID(), type: event.type, data: event.data, metadata: { correlationId: mutationId, causationId: mutationId } }));
        const appended = await eventStore.appendToStream(laneStreamName(contract.stateType, stateId), events, { expectedRevision: entry.revision });
        lanes.set(stateId, { lane: outcome.events.reduce(evolveLane, entry.lane), revision: appended.nextExpectedRevision });
        byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
        recorded += 1;
      }
    }),
  );
  return { byStatus, rejected, mutations: MUTATIONS };
}

// ---------------------------------------------------------------------------------------------
// Measurements

function newRunners(dataSource, eventStore) {
  return allProjections.map((projection) => new ProjectionRunner(dataSource, eventStore, projection, { ...(BATCH ? { batchSize: BATCH } : {}), log: (line) => progress(line) }));
}

/** (a) Every projection started from position 0 at once, as the worker does, until all reach the head. */
async function measureCatchUp(dataSource, eventStore, head, postmasterPid) {
  await dataSource.query('DELETE FROM projection_checkpoints');
  const runners = newRunners(dataSource, eventStore);
  const finished = new Map();
  const cpu = cpuWindow(postmasterPid);
  const started = performance.now();
  try {
    await Promise.all(runners.map((runner) => runner.start()));
    while (finished.size < runners.length) {
      for (const runner of runners) {
        if (!finished.has(runner.name) && runner.position >= head) finished.set(runner.name, (performance.now() - started) / 1000);
      }
      await sleep(5);
    }
  } finally {
    await Promise.all(runners.map((runner) => runner.stop()));
  }
  const usage = cpu();
  const total = Math.max(...finished.values());
  return { total, usage, perProjection: runners.map((runner) => ({ name: runner.name, seconds: finished.get(runner.name) })) };
}

/** (b) rebuild() of each projection, one after another (as `npm run rebuild -- <name>` would). */
async function measureRebuilds(dataSource, eventStore, postmasterPid) {
  const results = [];
  for (const runner of newRunners(dataSource, eventStore)) {
    const cpu = cpuWindow(postmasterPid);
    const started = performance.now();
    const result = await runner.rebuild();
    results.push({ name: runner.name, events: result.events, seconds: (performance.now() - started) / 1000, usage: cpu() });
  }
  return results;
}

async function tableCounts(dataSource, tables) {
  const counts = {};
  for (const table of tables) counts[table] = Number((await dataSource.query(`SELECT count(*)::bigint AS n FROM "${table}"`))[0].n);
  return counts;
}

/**
 * (c) Baselines: the rows the projections produced, bulk-loaded into empty copies of their tables
 * (same columns, constraints and indexes): COPY FROM STDIN, then 1,000-row multi-value INSERTs.
 */
async function measureBulkLoads(databaseUrl, tables, postmasterPid) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // Read every value as its text form, to send it back as-is.
  const rawTypes = { getTypeParser: () => (value) => value };
  const results = [];
  try {
    for (const table of tables) {
      const copyTable = `bench_baseline_${table}`;
      await client.query(`DROP TABLE IF EXISTS "${copyTable}"`);
      await client.query(`CREATE TABLE "${copyTable}" (LIKE "${table}" INCLUDING ALL)`);

      const exported = await copyOut(client, `COPY "${table}" TO STDOUT`);
      let cpu = cpuWindow(postmasterPid);
      let started = performance.now();
      const copied = await copyIn(client, `COPY "${copyTable}" FROM STDIN`, exported.chunks);
      const copySeconds = (performance.now() - started) / 1000;
      const copyUsage = cpu();
      if (copied.rows !== exported.rows) throw new Error(`COPY into ${copyTable} loaded ${copied.rows} of ${exported.rows} rows`);

      await client.query(`TRUNCATE "${copyTable}"`);
      const { rows, fields } = await client.query({ text: `SELECT * FROM "${table}"`, rowMode: 'array', types: rawTypes });
      const columns = fields.map((field) => `"${field.name}"`).join(', ');
      const statements = [];
      for (let offset = 0; offset < rows.length; offset += INSERT_ROWS_PER_STATEMENT) {
        const slice = rows.slice(offset, offset + INSERT_ROWS_PER_STATEMENT);
        const values = slice.map((row, rowIndex) => `(${row.map((_, columnIndex) => `$${rowIndex * fields.length + columnIndex + 1}`).join(', ')})`);
        statements.push({ text: `INSERT INTO "${copyTable}" (${columns}) VALUES ${values.join(', ')}`, values: slice.flat() });
      }
      cpu = cpuWindow(postmasterPid);
      started = performance.now();
      for (const statement of statements) await client.query(statement);
      const insertSeconds = (performance.now() - started) / 1000;
      const insertUsage = cpu();

      results.push({ table, rows: exported.rows, bytes: exported.bytes, copySeconds, insertSeconds, copyUsage, insertUsage });
      await client.query(`DROP TABLE "${copyTable}"`);
    }
  } finally {
    await client.end();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const machine = machineInfo();
  const postgres = await startPostgres();
  const { version: postgresVersion, postmasterPid } = await describePostgres(postgres.serverUrl);
  const databaseUrl = await createDatabase(postgres.serverUrl, 'bench_projection');
  progress(`PostgreSQL ${postgresVersion}; migrating ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);

  const dataSource = await createDataSource(databaseUrl, POOL_SIZE);
  onCleanup('data source', () => dataSource.destroy());
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  pool.on('error', () => undefined);
  onCleanup('event store pool', () => pool.end());
  const eventStore = new PostgresEventStore(pool);
  onCleanup('event store', () => eventStore.close());

  const shared = await findSeedMutations();
  progress(`seeding at least ${formatInteger(EVENTS)} events over ${formatInteger(STATES)} states with ${SEED_WRITERS} writers via ${shared ? `seedMutations from ${shared.source}` : 'the built-in domain seeder'}`);
  const seedStarted = performance.now();
  const seeded = shared ? await seedWithSharedSeeder(shared.seedMutations, eventStore) : await seedWithDomain(eventStore);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const head = await eventStore.headPosition();
  const eventTypes = await pool.query('SELECT event_type, count(*)::int AS n FROM es_events GROUP BY 1 ORDER BY 1');
  progress(`seeded ${formatInteger(head)} events in ${formatFixed(seedSeconds, 1)} s (${formatInteger(head / seedSeconds)} events/s)`);
  await pool.query('VACUUM ANALYZE es_events');
  await pool.query('CHECKPOINT');

  await waitForQuietMachine('the catch-up');
  progress('(a) live catch-up of all projections from 0');
  const catchUp = await measureCatchUp(dataSource, eventStore, head, postmasterPid);
  const tables = allProjections.flatMap((projection) => projection.tables);
  const afterCatchUp = await tableCounts(dataSource, tables);
  progress(`caught up in ${formatFixed(catchUp.total, 2)} s; rows ${JSON.stringify(afterCatchUp)}`);
  await pool.query('CHECKPOINT');

  await waitForQuietMachine('the rebuilds');
  progress('(b) rebuild() of each projection');
  const rebuilds = await measureRebuilds(dataSource, eventStore, postmasterPid);
  const afterRebuild = await tableCounts(dataSource, tables);
  if (JSON.stringify(afterRebuild) !== JSON.stringify(afterCatchUp)) throw new Error(`rebuild produced other row counts: ${JSON.stringify(afterRebuild)} vs ${JSON.stringify(afterCatchUp)}`);
  await pool.query('CHECKPOINT');

  await waitForQuietMachine('the baselines');
  progress('(c) baselines: COPY and 1,000-row INSERTs of the same rows into identical empty tables');
  const loads = await measureBulkLoads(databaseUrl, tables, postmasterPid);

  // ---- report
  const copySeconds = loads.reduce((sum, load) => sum + load.copySeconds, 0);
  const insertSeconds = loads.reduce((sum, load) => sum + load.insertSeconds, 0);
  const totalRows = loads.reduce((sum, load) => sum + load.rows, 0);
  const rebuildSeconds = rebuilds.reduce((sum, rebuild) => sum + rebuild.seconds, 0);
  const copyEquivalent = head / copySeconds;
  const insertEquivalent = head / insertSeconds;
  const timeline = loads.find((load) => load.table === 'mutation_timeline');

  const lines = headerLines({
    title: 'bench:projection — projection throughput vs. bulk-loading the same rows',
    command: commandLine(),
    machine,
    postgresVersion,
    postgresWhere: postgres.embedded ? 'embedded, ephemeral, stock durability' : 'DATABASE_URL',
    extra: [
      `log: ${formatInteger(head)} events = ${formatInteger(seeded.mutations)} recorded mutations (${Object.entries(seeded.byStatus).map(([status, count]) => `${formatInteger(count)} ${status}`).join(', ')}; ${formatInteger(seeded.rejected)} submits rejected before anything was recorded) on ${formatInteger(STATES)} states; ` +
        `events by type: ${eventTypes.rows.map((row) => `${row.event_type} ${formatInteger(row.n)}`).join(', ')}`,
      `seeded through PostgresEventStore.appendToStream by ${SEED_WRITERS} concurrent writers using ${shared ? `\`seedMutations\` (${shared.source})` : `decideSubmit + foldLane/evolveLane on the credit-limit contract (${process.env.BENCH_SEEDER === 'domain' ? 'BENCH_SEEDER=domain' : 'the shared seedMutations helper is not built'})`}: ` +
        `${formatFixed(seedSeconds, 1)} s, ${formatInteger(head / seedSeconds)} events/s`,
      `projections: ${allProjections.map((projection) => `${projection.name} → ${projection.tables.join(', ')}`).join('; ')}; batch size ${BATCH ?? '500 (default)'}; TypeORM pool ${POOL_SIZE}`,
      `read-model rows produced: ${Object.entries(afterCatchUp).map(([table, count]) => `${table} ${formatInteger(count)}`).join(', ')} (${formatInteger(totalRows)} in all, ${formatFixed(totalRows / head, 2)} per event)`,
      'baseline: those same rows exported with `COPY ... TO STDOUT` and loaded into empty `LIKE ... INCLUDING ALL` copies (same indexes) with `COPY ... FROM STDIN` ' +
        '(a hand-written pg submittable in tools/bench/pg-copy.mjs: pg-copy-streams is not installed), and again with multi-row INSERTs of 1,000 rows per statement; one table after another, one connection',
    ],
  });
  const cpuCells = (usage) => (usage ? [formatFixed(usage.selfCores, 2), formatFixed(usage.postgresCores, 2), formatFixed(usage.otherCores, 2)] : ['', '', '']);
  const combine = (usages) => {
    const seconds = usages.reduce((sum, usage) => sum + usage.seconds, 0);
    const weighted = (key) => usages.reduce((sum, usage) => sum + usage[key] * usage.seconds, 0) / seconds;
    return { seconds, selfCores: weighted('selfCores'), postgresCores: weighted('postgresCores'), otherCores: weighted('otherCores') };
  };
  lines.push('Projection throughput (events of the log per second; CPU in cores = CPU seconds per wall second, "other" = other jobs on the machine):', '');
  lines.push(
    ...markdownTable(
      ['measurement', 'events', 'seconds', 'events/s', 'ratio to COPY baseline', 'ratio to INSERT baseline', 'Node CPU', 'PG CPU', 'other CPU'],
      [
        [`(a) live catch-up, all ${allProjections.length} projections concurrently from 0 (until the slowest reaches the head)`, formatInteger(head), formatFixed(catchUp.total, 2), formatInteger(head / catchUp.total), formatFixed(head / catchUp.total / copyEquivalent, 2), formatFixed(head / catchUp.total / insertEquivalent, 2), ...cpuCells(catchUp.usage)],
        ...catchUp.perProjection.map((projection) => [`  (a) ${projection.name} reached the head after`, formatInteger(head), formatFixed(projection.seconds, 2), formatInteger(head / projection.seconds), '', '', '', '', '']),
        ...rebuilds.map((rebuild) => [`(b) rebuild() ${rebuild.name}`, formatInteger(rebuild.events), formatFixed(rebuild.seconds, 2), formatInteger(rebuild.events / rebuild.seconds), '', '', ...cpuCells(rebuild.usage)]),
        [`(b) rebuild() of all ${allProjections.length}, one after another`, formatInteger(head), formatFixed(rebuildSeconds, 2), formatInteger(head / rebuildSeconds), formatFixed(head / rebuildSeconds / copyEquivalent, 2), formatFixed(head / rebuildSeconds / insertEquivalent, 2), ...cpuCells(combine(rebuilds.map((rebuild) => rebuild.usage)))],
        ['(c) baseline: COPY of all read-model rows', formatInteger(head), formatFixed(copySeconds, 2), formatInteger(copyEquivalent), '1.00', '', ...cpuCells(combine(loads.map((load) => load.copyUsage)))],
        ['(c) baseline: 1,000-row INSERTs of all read-model rows', formatInteger(head), formatFixed(insertSeconds, 2), formatInteger(insertEquivalent), '', '1.00', ...cpuCells(combine(loads.map((load) => load.insertUsage)))],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  lines.push('Baseline detail (rows per second per table):', '');
  lines.push(
    ...markdownTable(
      ['table', 'rows', 'MiB (COPY text)', 'COPY s', 'COPY rows/s', 'INSERT s', 'INSERT rows/s'],
      [
        ...loads.map((load) => [load.table, formatInteger(load.rows), formatFixed(load.bytes / 2 ** 20, 1), formatFixed(load.copySeconds, 2), formatInteger(load.rows / load.copySeconds), formatFixed(load.insertSeconds, 2), formatInteger(load.rows / load.insertSeconds)]),
        ['all', formatInteger(totalRows), formatFixed(loads.reduce((sum, load) => sum + load.bytes, 0) / 2 ** 20, 1), formatFixed(copySeconds, 2), formatInteger(totalRows / copySeconds), formatFixed(insertSeconds, 2), formatInteger(totalRows / insertSeconds)],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  if (timeline) {
    lines.push(
      `Same number of rows as events: mutation_timeline holds exactly one row per mutation event (${formatInteger(timeline.rows)}); COPY loads it at ${formatInteger(timeline.rows / timeline.copySeconds)} rows/s, ` +
        `so live catch-up runs at ${formatFixed(head / catchUp.total / (timeline.rows / timeline.copySeconds), 2)}× that and all rebuilds at ${formatFixed(head / rebuildSeconds / (timeline.rows / timeline.copySeconds), 2)}×.`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

await runBenchmark(main);
