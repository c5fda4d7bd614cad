import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';

/** Over capacity: the caller should retry after `retryAfterSeconds`. */
export class OverCapacityError extends Error {
  readonly code = 'over_capacity';
  constructor(
    readonly retryAfterSeconds: number,
    readonly limit: number,
    readonly queued: number,
  ) {
    super(`over capacity: ${limit} mutations are executing and ${queued} are queued; retry in ${retryAfterSeconds} s`);
  }
}

export interface GateOptions {
  /** Executions at once (COUNTERSIGN_MAX_CONCURRENT_MUTATIONS). */
  limit: number;
  /** Requests that may wait for a slot (COUNTERSIGN_MAX_QUEUED_MUTATIONS); over it they are refused at once. */
  maxQueued: number;
  /** How long a queued request waits for a slot before it is refused (COUNTERSIGN_QUEUE_TIMEOUT). */
  maxWaitMs: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * The process-wide cap on concurrent mutation executions (ADR 0006). A command takes a slot
 * before it touches its lane and gives it back when it has answered; over the cap it waits in a
 * bounded FIFO queue, and a request that cannot get a slot in time is refused with
 * `over_capacity` before it has done anything, so nothing is half-applied.
 */
export class ExecutionGate {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** Mean execution time (exponentially weighted), to estimate Retry-After. */
  private meanMs = 50;

  constructor(private readonly options: GateOptions) {}

  get executing(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  get limit(): number {
    return this.options.limit;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.meanMs = this.meanMs * 0.9 + (performance.now() - started) * 0.1;
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.limit && this.queue.length === 0) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.maxQueued || this.options.maxWaitMs === 0) return Promise.reject(this.refusal());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(this.refusal());
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes straight to the next in line, so `running` stays the same.
    if (next) next.grant();
    else this.running -= 1;
  }

  private refusal(): OverCapacityError {
    const drainMs = ((this.queue.length + 1) * this.meanMs) / this.options.limit;
    return new OverCapacityError(Math.max(1, Math.ceil(drainMs / 1000)), this.options.limit, this.queue.length);
  }
}

/** DI token of the API's gate. */
export const EXECUTION_GATE = Symbol('EXECUTION_GATE');

export function executionGateProvider() {
  return {
    provide: EXECUTION_GATE,
    inject: [RUNTIME_CONFIG],
    useFactory: (config: CountersignConfig) =>
      new ExecutionGate({ limit: config.maxConcurrentMutations, maxQueued: config.maxQueuedMutations, maxWaitMs: config.queueTimeoutMs }),
  };
}
