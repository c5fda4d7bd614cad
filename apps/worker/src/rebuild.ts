import 'reflect-metadata';
import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { buildContractRegistry, countEventsByType, createLog, loadConfig, openDatabase, openEventStore, ProjectionWorker } from '@countersign/runtime';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { WorkerModule } from './worker.module.js';

/**
 * `npm run rebuild [-- <projection> ...]`: replays the whole log into the named read models
 * (all by default) with a progress line, then checks the counts against the log.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLog(config.logLevel, 'rebuild');
  const eventStore = await openEventStore(config, log);
  const database = await openDatabase(config, log);
  const app = await NestFactory.createApplicationContext(WorkerModule.register({ databaseUrl: database.url, config: { ...config, runWorker: false }, contracts: await buildContractRegistry(config.contractsDir, log), log, eventStore }), { logger: ['error', 'warn'] });
  try {
    const worker = app.get(ProjectionWorker);
    const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : worker.runners.map((runner) => runner.name);
    for (const name of names) {
      const started = Date.now();
      const result = await worker.rebuild(name, (progress) => {
        const percent = progress.head === 0 ? 100 : Math.floor((progress.position / progress.head) * 100);
        process.stdout.write(`\r${name}: ${progress.events} events, position ${progress.position}/${progress.head} (${percent}%)   `);
      });
      process.stdout.write(`\r${name}: rebuilt from ${result.events} events up to position ${result.position} in ${Date.now() - started} ms\n`);
    }
    await checkCounts(app.get(DataSource), app.get<EventStore>(EVENT_STORE), eventStore === undefined);
  } finally {
    await app.close();
    await database.close();
  }
}

/**
 * The final count check: read models must hold exactly what the log says. The log is counted by
 * event type, not derived from positions (EventStoreDB's skip numbers): in SQL when the log is
 * PostgreSQL's, through the event store otherwise.
 */
async function checkCounts(dataSource: DataSource, eventStore: EventStore, logInPostgres: boolean): Promise<void> {
  const { requested, applied } = logInPostgres
    ? await countInPostgres(dataSource)
    : await countEventsByType(eventStore, ['MutationRequested', 'MutationApplied']).then((counts) => ({
        requested: counts.MutationRequested,
        applied: counts.MutationApplied,
      }));
  const [{ mutations }] = (await dataSource.query('SELECT count(*)::int AS mutations FROM mutations')) as { mutations: number }[];
  const [{ history }] = (await dataSource.query('SELECT count(*)::int AS history FROM state_history')) as { history: number }[];
  const [{ versions }] = (await dataSource.query('SELECT coalesce(sum(version), 0)::int AS versions FROM states')) as { versions: number }[];
  const head = await eventStore.headPosition();
  const checks = [
    ['mutations rows = MutationRequested events', mutations, requested],
    ['state_history rows = MutationApplied events', history, applied],
    ['sum of state versions = MutationApplied events', versions, applied],
  ] as const;
  let failed = false;
  for (const [label, actual, expected] of checks) {
    const ok = actual === expected;
    failed ||= !ok;
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${actual} vs ${expected}\n`);
  }
  process.stdout.write(`log head position ${head}\n`);
  if (failed) process.exitCode = 2;
}

async function countInPostgres(dataSource: DataSource): Promise<{ requested: number; applied: number }> {
  const [counts] = (await dataSource.query(
    `SELECT count(*) FILTER (WHERE event_type = 'MutationRequested')::int AS requested, count(*) FILTER (WHERE event_type = 'MutationApplied')::int AS applied FROM es_events`,
  )) as { requested: number; applied: number }[];
  return counts;
}

main().catch((error: unknown) => {
  process.stderr.write(`countersign rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
