import pg from 'pg';
import { APPENDED_CHANNEL } from './event-store.schema.js';

const RECONNECT_DELAY_MS = 1_000;

/**
 * One dedicated connection LISTENing for appends. Losing it only costs latency: subscriptions
 * fall back to polling, and the next wait reconnects.
 */
export class AppendListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryAfter = 0;
  private closed = false;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly onAppend: () => void,
  ) {}

  ensureListening(): void {
    if (this.client || this.connecting || this.closed || Date.now() < this.retryAfter) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    client.on('notification', () => this.onAppend());
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${APPENDED_CHANNEL}`);
    } catch {
      this.retryAfter = Date.now() + RECONNECT_DELAY_MS;
      await client.end().catch(() => undefined);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Appends committed before LISTEN took effect sent no notification we could receive.
    this.onAppend();
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.retryAfter = Date.now() + RECONNECT_DELAY_MS;
    client.end().catch(() => undefined);
  }
}
