import { takeOverShutdownSignals, buildContractRegistry, ConfigError, createLog, loadConfig, loadPrincipals, openDatabase, openEventStore, type DatabaseHandle } from '@countersign/runtime';
import { createApiApp } from './create-api-app.js';
import { listen, listenHost, listeningMessage } from './startup/listen.js';

/** `npm start`: the API (plus the projection worker) on the embedded PostgreSQL unless DATABASE_URL is set. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLog(config.logLevel, 'api');
  const { principals, demo } = await loadPrincipals({ ...config, embedded: !config.databaseUrl, log });
  const host = listenHost(config.host, demo);
  const contracts = await buildContractRegistry(config.contractsDir, log);
  const eventStore = await openEventStore(config, log);
  let database: DatabaseHandle;
  try {
    database = await openDatabase(config, log);
  } catch (error) {
    await eventStore?.close();
    throw error;
  }
  let app: Awaited<ReturnType<typeof createApiApp>> | undefined;
  let bound: Awaited<ReturnType<typeof listen>>;
  try {
    app = await createApiApp({ config, databaseUrl: database.url, principals, contracts, log, eventStore });
    bound = await listen(app, host, config.port);
  } catch (error) {
    // The app first: its workers stop before the database goes away under them.
    await app?.close().catch(() => undefined);
    await eventStore?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
  log(listeningMessage(bound, { hostConfigured: config.host !== undefined, demoPrincipals: demo }));
  log(`contracts: ${contracts.stateTypes().join(', ')}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, shutting down`);
    await app.close().catch((error: unknown) => log(`error while closing: ${String(error)}`));
    await database.close().catch((error: unknown) => log(`error while stopping PostgreSQL: ${String(error)}`));
    process.exit(0);
  };
  // Ours to handle: stop taking work, finish what is in flight, stop PostgreSQL last.
  takeOverShutdownSignals();
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`countersign: failed to start: ${message}\n`);
  process.exit(1);
});
