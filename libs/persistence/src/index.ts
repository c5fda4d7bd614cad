export { startEmbeddedPostgres, findFreePort, type EmbeddedPostgresOptions, type RunningPostgres } from './embedded-postgres.js';
export { withDatabase, databaseName, redactUrl } from './database-url.js';
export { DataDirectoryUnreachableError, ServerProgramsUnreachableError } from './postgres-user-access.js';
export { takeOverShutdownSignals } from './shutdown-signals.js';
