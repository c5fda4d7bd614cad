// bench:append (diagnostic) — where the database time of one governed submit goes.
// No HTTP: N concurrent pg clients (the API's pool size) drive, in interleaved rounds, the
// statements of the write path and variants of the append function with one part left out, each
// on its own database of one PostgreSQL server, and report appends/s and PostgreSQL CPU per append.
//
//   npm run bench:append
//   BENCH_DURATION=2 node tools/bench/append-breakdown.mjs
//
// env: BENCH_DURATION seconds per round (5), BENCH_ROUNDS (3), BENCH_CLIENTS (COUNTERSIGN_DB_POOL_SIZE or 20),
//      BENCH_STATES streams written at random (1000), DATABASE_URL to use an existing server.
//
// The variants are experiments, not proposals: leaving out the idempotent-retry lookup or the
// single log-head row changes guarantees (ADR 0002, ADR 0004); they only price those parts.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { creditLimitContract } from '@countersign/contracts';
import { decideSubmit, evolveLane, foldLane, laneStreamName } from '@countersign/domain';
import { PostgresEventStore, ensureEventStoreSchema } from '@countersign/event-store';
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
  median,
  onCleanup,
  progress,
  runBenchmark,
  startPostgres,
  waitForQuietMachine,
} from './lib.mjs';

const DURATION = envNumber('BENCH_DURATION', 5, { min: 1 });
const ROUNDS = envNumber('BENCH_ROUNDS', 3, { min: 1, integer: true });
const CLIENTS = envNumber('BENCH_CLIENTS', envNumber('COUNTERSIGN_DB_POOL_SIZE', 20, { min: 1, integer: true }), { min: 1, integer: true });
const STATES = envNumber('BENCH_STATES', 1000, { min: 1, integer: true });

// The append function's source, to derive the variants from (not part of the package's exports).
const schemaModule = await import(pathToFileURL(path.join(ROOT, 'libs/event-store/dist/postgres/event-store.schema.js')).href);
const APPEND_FUNCTION_SQL = schemaModule.EVENT_STORE_SCHEMA_UP.find((statement) => statement.includes('FUNCTION countersign_append('));
const CHANNEL = schemaModule.APPENDED_CHANNEL;
if (!APPEND_FUNCTION_SQL) throw new Error('countersign_append not found in EVENT_STORE_SCHEMA_UP');

const RETRY_LOOKUP = /  -- A retry of an acknowledged append[\s\S]*?END IF;\n/;
const NOTIFY = /  PERFORM pg_notify\([^;]*\);\n/;
const LOG_HEAD = /  UPDATE es_log_head SET position = position \+ v_count RETURNING position INTO v_last;\n/;

function variantSql(remove) {
  let sql = APPEND_FUNCTION_SQL;
  for (const part of remove) {
    const pattern = { retry: RETRY_LOOKUP, notify: NOTIFY, head: LOG_HEAD }[part];
    if (!pattern.test(sql)) throw new Error(`the append function changed: cannot find the ${part} part`);
    // The sequence steps by 1000, so each append owns the positions [nextval, nextval + v_count - 1].
    sql = sql.replace(pattern, part === 'head' ? "  v_last := nextval('bench_positions') + v_count - 1;\n" : '');
  }
  return sql;
}

// ---------------------------------------------------------------------------------------------
// One realistic append: MutationRequested + MutationApplied of a credit-limit raiseLimit.

const actor = { id: 'bench-operator', kind: 'service', roles: ['operator'] };
function sampleEvents() {
  let lane = foldLane('credit-limit', 'bench-0', []);
  const now = new Date().toISOString();
  const opened = decideSubmit({ type: 'SubmitMutation', mutationId: crypto.randomUUID(), stateId: 'bench-0', transition: 'open', payload: { customerId: 'bench-0', currency: 'EUR' }, actor, classification: {}, now }, lane, creditLimitContract, { approvalTtlMs: 86_400_000 });
  lane = opened.events.reduce(evolveLane, lane);
  const raised = decideSubmit({ type: 'SubmitMutation', mutationId: crypto.randomUUID(), stateId: 'bench-0', transition: 'raiseLimit', payload: { by: 1 }, actor, classification: {}, now }, lane, creditLimitContract, { approvalTtlMs: 86_400_000 });
  return raised.events;
}
const SAMPLE = sampleEvents();

function newEvents(stateId) {
  const mutationId = crypto.randomUUID();
  return SAMPLE.map((event) => ({
    id: crypto.randomUUID(),
    type: event.type,
    data: { ...event.data, mutationId, stateId },
    metadata: { correlationId: crypto.randomUUID(), causationId: mutationId },
  }));
}

/** Serialises work per stream inside this process, as the API's LaneLocks do. */
function laneLocks() {
  const tails = new Map();
  return async (key, work) => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release;
    const current = new Promise((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Contenders

async function setUpEventStore(serverUrl, name, { remove = [], listen = true } = {}) {
  const url = await createDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  pool.on('error', () => undefined);
  onCleanup(`pool ${name}`, () => pool.end());
  await ensureEventStoreSchema(pool);
  if (remove.includes('head')) await pool.query('CREATE SEQUENCE bench_positions INCREMENT BY 1000');
  if (remove.length > 0) await pool.query(variantSql(remove));
  const eventStore = new PostgresEventStore(pool, { pollIntervalMs: 60_000 });
  onCleanup(`event store ${name}`, () => eventStore.close());
  if (listen) {
    // The API keeps one LISTEN connection per process (its projection worker follows the log).
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    listener.on('notification', () => undefined);
    await listener.query(`LISTEN ${CHANNEL}`);
    onCleanup(`listener ${name}`, () => listener.end());
  }
  return { url, pool, eventStore };
}

const APPEND_SQL = 'SELECT next_expected_revision, last_position FROM countersign_append($1, $2, $3::jsonb)';

/** Calls countersign_append directly: one autocommit statement per append, whatever the store's options. */
function callAppendFunction(setup) {
  return async (stream, events, expected) => {
    const payload = JSON.stringify(events.map((event) => ({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })));
    const { rows } = await setup.pool.query(APPEND_SQL, [stream, String(expected), payload]);
    return Number(rows[0].next_expected_revision);
  };
}

/** PostgresEventStore.appendToStream with the store's defaults as built (group commit when it has it). */
function callEventStore(setup) {
  return async (stream, events, expected) => (await setup.eventStore.appendToStream(stream, events, { expectedRevision: expected })).nextExpectedRevision;
}

function appendContender(label, setup, append, { readFirst = false } = {}) {
  const revisions = new Map();
  const lock = laneLocks();
  return {
    label,
    roundTrips: readFirst ? 2 : 1,
    async op() {
      const stateId = `bench-${Math.floor(Math.random() * STATES)}`;
      const stream = laneStreamName('credit-limit', stateId);
      await lock(stream, async () => {
        if (readFirst) await setup.eventStore.readStream(stream, { fromRevision: (revisions.get(stream) ?? -1) + 1 });
        revisions.set(stream, await append(stream, newEvents(stateId), revisions.get(stream) ?? 'no_stream'));
      });
    },
  };
}

async function contenders(serverUrl) {
  const baseline = await setUpEventStore(serverUrl, 'bench_append_baseline', { listen: false });
  await baseline.pool.query('CREATE TABLE baseline_requests (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())');
  const body = JSON.stringify({ stateType: 'credit-limit', stateId: 'bench-1', transition: 'raiseLimit', payload: { by: 1 } });

  const rows = await setUpEventStore(serverUrl, 'bench_append_rows', { listen: false });
  await rows.pool.query('CREATE SEQUENCE bench_rows_position');
  const shipped = await setUpEventStore(serverUrl, 'bench_append_shipped');
  const store = await setUpEventStore(serverUrl, 'bench_append_store');
  const writePath = await setUpEventStore(serverUrl, 'bench_append_writepath');
  const noNotify = await setUpEventStore(serverUrl, 'bench_append_nonotify', { remove: ['notify'] });
  const noRetry = await setUpEventStore(serverUrl, 'bench_append_noretry', { remove: ['retry'] });
  const neither = await setUpEventStore(serverUrl, 'bench_append_neither', { remove: ['notify', 'retry'] });
  const noHead = await setUpEventStore(serverUrl, 'bench_append_nohead', { remove: ['notify', 'retry', 'head'] });

  return [
    {
      label: 'baseline: INSERT 1 jsonb row (the baseline server\'s statement)',
      roundTrips: 1,
      op: () => baseline.pool.query('INSERT INTO baseline_requests (body) VALUES ($1) RETURNING id', [body]),
    },
    {
      label: 'INSERT the 2 event rows into es_events directly (no function, no stream row)',
      roundTrips: 1,
      op: () => {
        const stateId = `bench-${Math.floor(Math.random() * STATES)}`;
        const events = newEvents(stateId);
        const stream = `${laneStreamName('credit-limit', stateId)}-${crypto.randomUUID()}`;
        return rows.pool.query(
          `INSERT INTO es_events (position, event_id, stream_name, stream_revision, event_type, data, metadata)
           VALUES (nextval('bench_rows_position'), $1, $3, 0, $4, $5, $6), (nextval('bench_rows_position'), $2, $3, 1, $7, $8, $9)`,
          [events[0].id, events[1].id, stream, events[0].type, JSON.stringify(events[0].data), JSON.stringify(events[0].metadata), events[1].type, JSON.stringify(events[1].data), JSON.stringify(events[1].metadata)],
        );
      },
    },
    appendContender('write path as built: readStream + PostgresEventStore.appendToStream', writePath, callEventStore(writePath), { readFirst: true }),
    appendContender('PostgresEventStore.appendToStream as built (default options)', store, callEventStore(store)),
    appendContender('countersign_append called directly (one statement per append)', shipped, callAppendFunction(shipped)),
    appendContender('countersign_append without pg_notify', noNotify, callAppendFunction(noNotify)),
    appendContender('countersign_append without the idempotent-retry lookup', noRetry, callAppendFunction(noRetry)),
    appendContender('countersign_append without pg_notify and retry lookup', neither, callAppendFunction(neither)),
    appendContender('… and positions from a sequence instead of the es_log_head row (not gap-free!)', noHead, callAppendFunction(noHead)),
  ];
}

async function run(contender, postmasterPid) {
  const latencies = [];
  let errors = 0;
  let firstError;
  const deadline = performance.now() + DURATION * 1000;
  const cpu = cpuWindow(postmasterPid);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          await contender.op();
          latencies.push(performance.now() - started);
        } catch (error) {
          errors += 1;
          firstError ??= error;
        }
      }
    }),
  );
  const usage = cpu();
  if (firstError) progress(`${contender.label}: ${errors} errors, first: ${firstError.message}`);
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  return {
    label: contender.label,
    perSecond: count / usage.seconds,
    p50: latencies[Math.floor(count * 0.5)] ?? Number.NaN,
    p99: latencies[Math.floor(count * 0.99)] ?? Number.NaN,
    errors,
    postgresMsPerOp: (usage.postgresCores * usage.seconds * 1000) / Math.max(1, count),
    nodeMsPerOp: (usage.selfCores * usage.seconds * 1000) / Math.max(1, count),
    usage,
  };
}

async function main() {
  const machine = machineInfo();
  const postgres = await startPostgres();
  const { version: postgresVersion, postmasterPid } = await describePostgres(postgres.serverUrl);
  const list = await contenders(postgres.serverUrl);
  // Warm up every database (plans, caches, the first stream rows).
  for (const contender of list) for (let index = 0; index < 200; index += 1) await contender.op();

  const results = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const contender of list) {
      await waitForQuietMachine(`round ${round} of ${contender.label}`);
      const result = await run(contender, postmasterPid);
      progress(`round ${round} ${result.label}: ${formatInteger(result.perSecond)}/s, PG ${formatFixed(result.postgresMsPerOp, 3)} ms/op, other CPU ${formatFixed(result.usage.otherCores, 2)}`);
      results.push({ round, ...result, roundTrips: contender.roundTrips });
    }
  }

  const baselineRate = median(results.filter((result) => result.label === list[0].label).map((result) => result.perSecond));
  const lines = headerLines({
    title: 'bench:append — database cost of the governed write path, part by part',
    command: commandLine(),
    machine,
    postgresVersion,
    postgresWhere: postgres.embedded ? 'embedded, ephemeral, stock durability' : 'DATABASE_URL',
    extra: [
      `${CLIENTS} concurrent pg clients (a pool of ${CLIENTS}), ${DURATION} s per round, ${ROUNDS} rounds, interleaved, each contender on its own database; appends go to a random one of ${STATES} streams, serialised per stream in-process as LaneLocks does`,
      `each append carries the 2 events of a credit-limit raiseLimit (MutationRequested + MutationApplied, ${formatInteger(JSON.stringify(newEvents('bench-1')).length)} bytes of JSON); a LISTEN connection is open on every event-store database, as in the API`,
      'variants leave parts out only to price them: they are not drop-in replacements',
    ],
  });
  const byLabel = list.map((contender) => {
    const own = results.filter((result) => result.label === contender.label);
    const rate = median(own.map((result) => result.perSecond));
    return [
      contender.label,
      String(contender.roundTrips),
      formatInteger(rate),
      formatFixed(rate / baselineRate, 2),
      formatFixed(median(own.map((result) => result.p50)), 1),
      formatFixed(median(own.map((result) => result.p99)), 1),
      formatFixed(median(own.map((result) => result.postgresMsPerOp)), 3),
      formatFixed(median(own.map((result) => result.nodeMsPerOp)), 3),
      formatFixed(median(own.map((result) => result.usage.otherCores)), 2),
      String(own.reduce((sum, result) => sum + result.errors, 0)),
    ];
  });
  lines.push(
    ...markdownTable(
      ['contender', 'round trips', 'ops/s (median)', 'vs baseline', 'p50 ms', 'p99 ms', 'PG CPU ms/op', 'client CPU ms/op', 'other CPU (cores)', 'errors'],
      byLabel,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

await runBenchmark(main);
