import type { AddressInfo } from 'node:net';
import { ConfigError } from '@countersign/runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

const LOOPBACK = '127.0.0.1';
const EVERY_INTERFACE = '0.0.0.0';

/**
 * HOST when set. Otherwise this machine only while the demo principals guard the API (their
 * tokens went to the log and sit in a file), and every interface once real principals are configured.
 */
export function listenHost(configuredHost: string | undefined, demoPrincipals: boolean): string {
  return configuredHost ?? (demoPrincipals ? LOOPBACK : EVERY_INTERFACE);
}

/** The log line saying where the API listens, from the address it is bound to. */
export function listeningMessage(bound: { address: string; port: number }, reason: { hostConfigured: boolean; demoPrincipals: boolean }): string {
  const ipv6 = bound.address.includes(':');
  const url = (address: string) => `http://${ipv6 ? `[${address}]` : address}:${bound.port}`;
  const line = `Countersign API listening on ${url(bound.address)}`;
  if (bound.address === EVERY_INTERFACE || bound.address === '::') return `${line} (every interface; ${url(ipv6 ? '::1' : LOOPBACK)} from this machine)`;
  if (!reason.hostConfigured && reason.demoPrincipals) return `${line} (this machine only, as the demo principals are in use; HOST=0.0.0.0 listens on every interface)`;
  return line;
}

/** One line for a bind failure the operator can fix with PORT or HOST; undefined for any other error. */
export function bindFailureMessage(error: unknown, host: string, port: number): string | undefined {
  switch (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use: stop the process holding it or set PORT to a free port`;
    case 'EACCES':
      return `not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges): set PORT to a port above 1023`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `HOST=${host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`;
    default:
      return undefined;
  }
}

/**
 * Binds the HTTP server through Fastify itself: Nest's `listen()` logs a bind failure in colour
 * before rethrowing it, and start-up failures are reported as one plain line.
 */
export async function listen(app: NestFastifyApplication, host: string, port: number): Promise<AddressInfo> {
  try {
    await app.getHttpAdapter().getInstance().listen({ host, port });
  } catch (error) {
    const message = bindFailureMessage(error, host, port);
    throw message === undefined ? error : new ConfigError(message);
  }
  return app.getHttpServer().address() as AddressInfo;
}
