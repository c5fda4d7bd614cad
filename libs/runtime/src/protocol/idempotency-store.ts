import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from '@countersign/domain';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { rideOutConnectionLoss } from '../database/connection-loss.js';
import { CLOCK, type Clock } from '../lanes/clock.js';

/** A stored answer: replayed byte for byte (status and body) to every retry with the same key. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type Claim =
  /** This request owns the key: execute with `mutationId`. `recovering` when a crashed owner's claim was taken over. */
  | { kind: 'owner'; mutationId: string; recovering: boolean }
  /** The key finished before: answer with the stored response. */
  | { kind: 'replay'; response: StoredResponse; mutationId: string }
  /** The key was used with a different request. */
  | { kind: 'conflict'; mutationId: string }
  /** The first request with this key is still running and did not finish within the wait. */
  | { kind: 'in_progress'; mutationId: string };

interface KeyRow {
  fingerprint: string;
  mutation_id: string;
  state: 'in_flight' | 'done';
  response_status: number | null;
  response_body: string | null;
  expires_at: Date;
  lease_until: Date | null;
}

/** The canonical fingerprint of a request: method, route and body (without the key itself). */
export function requestFingerprint(method: string, route: string, body: JsonValue): string {
  return createHash('sha256').update(canonicalJson({ method: method.toUpperCase(), route, body })).digest('hex');
}

/**
 * Idempotency keys, scoped per principal, kept for the retention window (ADR 0006). The first
 * request with a key claims it with one INSERT; retries see the claim: a different fingerprint
 * is a conflict, a finished one is replayed, an in-flight one is waited for (in-process retries
 * wait on the owner's promise; retries on other replicas poll) and never executed twice.
 */
@Injectable()
export class IdempotencyStore {
  /** Claims owned by this process, so local retries wait without polling. */
  private readonly local = new Map<string, Promise<void>>();
  private readonly releasers = new Map<string, () => void>();
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
  ) {
    // An owner holds its claim at least as long as a request can take: queueing plus execution.
    this.leaseMs = Math.max(60_000, config.queueTimeoutMs * 2 + 30_000);
  }

  async claim(principalId: string, key: string, fingerprint: string, newMutationId: string): Promise<Claim> {
    const deadline = Date.now() + this.config.idempotencyWaitMs;
    let pause = 20;
    for (;;) {
      const now = this.clock.now();
      const inserted = (await this.dataSource.query(
        `INSERT INTO idempotency_keys (principal_id, key, fingerprint, mutation_id, state, created_at, expires_at, lease_until)
         VALUES ($1, $2, $3, $4, 'in_flight', $5, $6, $7) ON CONFLICT (principal_id, key) DO NOTHING RETURNING mutation_id`,
        [principalId, key, fingerprint, newMutationId, now, new Date(now.getTime() + this.config.idempotencyRetentionMs), new Date(now.getTime() + this.leaseMs)],
      )) as { mutation_id: string }[];
      if (inserted.length === 1) {
        this.holdLocally(principalId, key);
        return { kind: 'owner', mutationId: newMutationId, recovering: false };
      }
      const rows = (await this.dataSource.query(
        'SELECT fingerprint, mutation_id, state, response_status, response_body, expires_at, lease_until FROM idempotency_keys WHERE principal_id = $1 AND key = $2',
        [principalId, key],
      )) as KeyRow[];
      const row = rows[0];
      if (!row) continue; // pruned between the two statements
      if (row.expires_at.getTime() <= now.getTime()) {
        // Past the retention window the key is free again.
        await this.dataSource.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND expires_at <= $3', [principalId, key, now]);
        continue;
      }
      if (row.fingerprint !== fingerprint) return { kind: 'conflict', mutationId: row.mutation_id };
      if (row.state === 'done') return { kind: 'replay', mutationId: row.mutation_id, response: { status: row.response_status ?? 200, body: row.response_body === null ? null : JSON.parse(row.response_body) } };
      if (row.lease_until && row.lease_until.getTime() < now.getTime()) {
        // The owner died mid-request: take the claim over; the executor's idempotent append keeps the mutation from being recorded twice.
        const taken = (await this.dataSource.query(
          `UPDATE idempotency_keys SET lease_until = $3 WHERE principal_id = $1 AND key = $2 AND state = 'in_flight' AND lease_until < $4 RETURNING mutation_id`,
          [principalId, key, new Date(now.getTime() + this.leaseMs), now],
        )) as [{ mutation_id: string }[], number] | { mutation_id: string }[];
        const takenRows = Array.isArray(taken[0]) ? (taken[0] as { mutation_id: string }[]) : (taken as { mutation_id: string }[]);
        if (takenRows.length === 1) {
          this.holdLocally(principalId, key);
          return { kind: 'owner', mutationId: row.mutation_id, recovering: true };
        }
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: 'in_progress', mutationId: row.mutation_id };
      const owner = this.local.get(localKey(principalId, key));
      if (owner) await Promise.race([owner, sleep(remaining)]);
      else {
        await sleep(Math.min(pause, remaining));
        pause = Math.min(pause * 2, 250);
      }
    }
  }

  /** Stores the answer; every later retry within the window gets exactly this. */
  async complete(principalId: string, key: string, mutationId: string, response: StoredResponse): Promise<void> {
    try {
      await this.settle(
        `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5, lease_until = NULL
         WHERE principal_id = $1 AND key = $2 AND mutation_id = $3`,
        [principalId, key, mutationId, response.status, JSON.stringify(response.body)],
      );
    } finally {
      this.releaseLocally(principalId, key);
    }
  }

  /** Nothing was recorded (e.g. over capacity): the key is free for a retry to execute. */
  async release(principalId: string, key: string, mutationId: string): Promise<void> {
    try {
      await this.settle(`DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND mutation_id = $3 AND state = 'in_flight'`, [
        principalId,
        key,
        mutationId,
      ]);
    } finally {
      this.releaseLocally(principalId, key);
    }
  }

  /** An unexpected failure: whether anything was recorded is unknown, so the next retry recovers (checks the log) instead of waiting for the lease. */
  async abandon(principalId: string, key: string, mutationId: string): Promise<void> {
    try {
      await this.settle(`UPDATE idempotency_keys SET lease_until = $4 WHERE principal_id = $1 AND key = $2 AND mutation_id = $3 AND state = 'in_flight'`, [
        principalId,
        key,
        mutationId,
        new Date(this.clock.now().getTime() - 1),
      ]);
    } finally {
      this.releaseLocally(principalId, key);
    }
  }

  /** Removes keys past their retention window; returns how many. Run periodically by the worker. */
  async prune(): Promise<number> {
    const result = (await this.dataSource.query('DELETE FROM idempotency_keys WHERE expires_at <= $1', [this.clock.now()])) as [unknown, number];
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }

  /**
   * Ends a claim. Lost, it would hold the key for the whole lease and every retry would wait that
   * long, so the write rides out a short connection loss (often what failed the request itself).
   */
  private async settle(sql: string, parameters: unknown[]): Promise<void> {
    await rideOutConnectionLoss(() => this.dataSource.query(sql, parameters));
  }

  private holdLocally(principalId: string, key: string): void {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.releasers.set(localKey(principalId, key), release);
    this.local.set(localKey(principalId, key), held);
  }

  private releaseLocally(principalId: string, key: string): void {
    const id = localKey(principalId, key);
    this.releasers.get(id)?.();
    this.releasers.delete(id);
    this.local.delete(id);
  }
}

function localKey(principalId: string, key: string): string {
  return `${principalId}\u0000${key}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
