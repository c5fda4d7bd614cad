import { buildContractRegistry, ConfigError, createLog, loadConfig, loadPrincipals, openDatabase, openEventStore, type DatabaseHandle } from '@countersign/runtime';
import { createApiApp } from './create-api-app.js';

/** `npm start`: the API (plus the projection worker) on the embedded PostgreSQL unless DATABASE_URL is set. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLog(config.logLevel, 'api');
  const principals = await loadPrincipals({ ...config, embedded: !config.databaseUrl, log });
  const contracts = await buildContractRegistry(config.contractsDir, log);
  const eventStore = await openEventStore(config, log);
  let database: DatabaseHandle;
  try {
    database = await openDatabase(config, log);
  } catch (error) {
    await eventStore?.close();
    throw error;
  }
  let app: Awaited<ReturnType<typeof createApiApp>>;
  try {
    app = await createApiApp({ config, databaseUrl: database.url, principals, contracts, log, eventStore });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await eventStore?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
  log(`Countersign API listening on http://localhost:${config.port} (contracts: ${contracts.stateTypes().join(', ')})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, shutting down`);
    await app.close().catch((error: unknown) => log(`error while closing: ${String(error)}`));
    await database.close().catch((error: unknown) => log(`error while stopping PostgreSQL: ${String(error)}`));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`countersign: failed to start: ${message}\n`);
  process.exit(1);
});
