import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';

/**
 * SQLSTATEs that say the server or the connection went away, not that the statement was wrong:
 * class 08 (connection exception), 57P01 admin_shutdown (pg_terminate_backend, a fast
 * shutdown), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting or in recovery) and
 * 53300 too_many_connections (a reconnect storm right after a blip).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTCONN']);
/** node-postgres and pg-pool report a lost or unobtainable connection without a code. */
const LOST_CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * True when `error` means PostgreSQL could not be reached or dropped the connection: the
 * request may succeed when retried (HTTP 503), and a worker should back off and try again.
 * TypeORM's "query runner already released" follows a connection the driver dropped on error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (current instanceof QueryRunnerAlreadyReleasedError || current instanceof QueryRunnerProviderAlreadyReleasedError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || SOCKET_ERRORS.has(code))) return true;
    if (current instanceof Error && LOST_CONNECTION_MESSAGES.test(current.message)) return true;
    // TypeORM's QueryFailedError keeps the driver's error next to its own message.
    const driverError = (current as { driverError?: unknown }).driverError;
    if (driverError && driverError !== current && isDatabaseUnavailable(driverError)) return true;
  }
  return false;
}

export interface RideOutOptions {
  /** Attempts in all, the first included (default 8: about 5 s of backoff). */
  attempts?: number;
  /** Checked before each retry; false gives up at once (a worker shutting down). */
  keepTrying?: () => boolean;
}

/**
 * Runs `work`, and again with backoff (100 ms doubling, at most 2 s) while it fails because the
 * database connection was lost: for a small write whose loss would cost far more than the wait,
 * like a delivery's outcome or an idempotency key's release. Other failures throw at once.
 */
export async function rideOutConnectionLoss<T>(work: () => Promise<T>, options: RideOutOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isDatabaseUnavailable(error) || options.keepTrying?.() === false) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)));
    }
  }
}
