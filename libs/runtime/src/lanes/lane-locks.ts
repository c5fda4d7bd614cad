import { Injectable } from '@nestjs/common';

/**
 * Serialises work on one lane (one state) inside this process, so concurrent submits to a hot
 * state queue up instead of racing and retrying. Across processes the optimistic append with
 * an expected stream revision keeps the lane serial (ADR 0004).
 */
@Injectable()
export class LaneLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(lane: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(lane) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(lane, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    }
  }
}
