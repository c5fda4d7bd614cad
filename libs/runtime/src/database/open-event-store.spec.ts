import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../config/duration.js';
import { openEventStore } from './open-event-store.js';

describe('openEventStore', () => {
  it('leaves the event store to PostgreSQL when no connection string is set', async () => {
    const lines: string[] = [];
    expect(await openEventStore({ eventStoreConnectionString: undefined }, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('fails fast, with the address and no password, when no EventStoreDB answers', async () => {
    const started = Date.now();
    // A refused connection fails at once, long before this timeout (far above what a slow machine needs).
    const attempt = openEventStore({ eventStoreConnectionString: 'esdb://admin:changeit@127.0.0.1:1?tls=false' }, () => undefined, 10 * 60_000);
    await expect(attempt).rejects.toThrow(/^EVENTSTORE_CONNECTION_STRING: cannot reach EventStoreDB at esdb:\/\/admin:\*\*\*@127\.0\.0\.1:1\?tls=false: /);
    // A ConfigError: `npm start` prints its message alone, without a stack trace.
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('gives up after the timeout when the server never answers', async () => {
    // A listening socket that accepts and says nothing: the gRPC handshake never completes.
    const { createServer } = await import('node:net');
    const accepted: Array<{ destroy(): void }> = [];
    const silent = createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      await expect(openEventStore({ eventStoreConnectionString: `esdb://127.0.0.1:${port}?tls=false` }, () => undefined, 1_000)).rejects.toThrow(
        /cannot reach EventStoreDB/,
      );
      // It gave up (no hang): not before its timeout, and long before the test's own deadline.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a connection string the client cannot parse', async () => {
    await expect(openEventStore({ eventStoreConnectionString: 'postgres://db:5432' }, () => undefined, 1_000)).rejects.toThrow(
      /invalid EventStoreDB connection string postgres:\/\/db:5432/,
    );
  });
});
