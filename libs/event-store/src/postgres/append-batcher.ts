/** What one request of a batch came to: its own result or its own error. */
export type BatchOutcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown };

export interface AppendBatcherOptions {
  /** Most requests sent together. */
  maxBatchSize: number;
  /** Most payload bytes sent together; a single larger request still goes, alone. */
  maxBatchBytes: number;
  /** Batches executing at once. */
  maxInFlight: number;
}

interface Queued<Request, Result> {
  request: Request;
  bytes: number;
  resolve: (value: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent requests (ADR 0002, "Group commit"). While fewer than `maxInFlight`
 * batches execute, a request goes at once, so an idle store adds no latency. Otherwise it waits,
 * and everything that queued meanwhile goes together, in arrival order, as soon as a batch ends
 * (one event-loop turn after, so that callers answered by that batch can join).
 * `execute` returns one outcome per request, in order; if it throws, every request of the batch
 * gets that error.
 */
export class AppendBatcher<Request, Result> {
  private readonly queue: Array<Queued<Request, Result>> = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: AppendBatcherOptions,
    private readonly execute: (requests: Request[]) => Promise<Array<BatchOutcome<Result>>>,
  ) {
    for (const [name, value] of Object.entries(options)) {
      if (!(Number.isSafeInteger(value) && value > 0)) {
        throw new TypeError(`${name} must be a positive integer, got ${value}`);
      }
    }
  }

  submit(request: Request, bytes: number): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ request, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once nothing is queued or executing. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        // The slot stays taken until the callers just answered have run (promise continuations
        // come before setImmediate): what they append at once joins the next batch instead of
        // one of them taking the free slot alone.
        setImmediate(() => {
          this.inFlight -= 1;
          this.pump();
          if (this.inFlight === 0 && this.queue.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const wake of waiters) wake();
          }
        });
      });
    }
  }

  private takeBatch(): Array<Queued<Request, Result>> {
    let count = 1;
    let bytes = this.queue[0].bytes;
    while (
      count < this.queue.length &&
      count < this.options.maxBatchSize &&
      bytes + this.queue[count].bytes <= this.options.maxBatchBytes
    ) {
      bytes += this.queue[count].bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async run(batch: Array<Queued<Request, Result>>): Promise<void> {
    let outcomes: Array<BatchOutcome<Result>>;
    try {
      outcomes = await this.execute(batch.map((queued) => queued.request));
      if (outcomes.length !== batch.length) {
        throw new Error(`append batch returned ${outcomes.length} outcomes for ${batch.length} appends`);
      }
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  }
}
