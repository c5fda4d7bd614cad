import 'reflect-metadata';
import { takeOverShutdownSignals, buildContractRegistry, ConfigError, createLog, loadConfig, openDatabase, openEventStore } from '@countersign/runtime';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module.js';

/** `npm run start:worker`: projection workers only, for scaled-out deployments (DATABASE_URL required in practice). */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLog(config.logLevel, 'worker');
  const eventStore = await openEventStore(config, log);
  const database = await openDatabase(config, log);
  const app = await NestFactory.createApplicationContext(WorkerModule.register({ databaseUrl: database.url, config, contracts: await buildContractRegistry(config.contractsDir, log), log, eventStore }), {
    logger: config.logLevel === 'silent' ? false : ['error', 'warn'],
  });
  await app.init();
  log('projection worker running');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, shutting down`);
    await app.close();
    await database.close();
    process.exit(0);
  };
  // Ours to handle: stop taking work, finish what is in flight, stop PostgreSQL last.
  takeOverShutdownSignals();
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`countersign worker: failed to start: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
