// A write buffer in front of the real event store, for seeding a big log quickly through the
// real append path. The seeder decides every command with the domain and "appends" here; this
// keeps each stream's events in order and writes them to the store in the background: per flush,
// one `appendToStream` per stream with the stream's expected revision (so the store still checks
// every revision), many streams at once so the store's group commit packs them into few
// transactions. Streams keep their order; events of different streams written in one flush may
// land in the log in another order than they were decided, as concurrent lanes would.

/** Runs `task` over `items` with at most `limit` running at once. */
async function forEachLimited(items, limit, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  });
  await Promise.all(workers);
}

export class BufferedLog {
  /**
   * @param store the real EventStore
   * @param options.flushEvents buffered events that start a background flush
   * @param options.concurrency appends in flight per flush
   */
  constructor(store, { flushEvents = 20_000, concurrency = 32 } = {}) {
    this.store = store;
    this.flushEvents = flushEvents;
    this.concurrency = concurrency;
    /** stream → { firstRevision, events } not yet handed to the store */
    this.buffer = new Map();
    this.buffered = 0;
    /** stream → revision of its last event, as far as the seeder has appended */
    this.revisions = new Map();
    this.flushing = Promise.resolve();
    this.written = 0;
    this.appends = 0;
    this.localPosition = 0;
  }

  async readStream(streamName, options) {
    // Only a stream appended through here can have events still buffered.
    if (this.revisions.has(streamName)) await this.drain();
    const events = await this.store.readStream(streamName, options);
    if (!options) this.revisions.set(streamName, events.length === 0 ? 'no_stream' : events[events.length - 1].streamRevision);
    return events;
  }

  async appendToStream(streamName, events, options = {}) {
    if (events.length === 0) throw new TypeError('appendToStream needs at least one event');
    const known = this.revisions.has(streamName) ? this.revisions.get(streamName) : (await this.readStream(streamName), this.revisions.get(streamName));
    const expected = options.expectedRevision ?? 'any';
    if (expected !== 'any' && expected !== known) throw new Error(`buffered log: ${streamName} expected revision ${String(expected)}, seeded ${String(known)}`);
    const firstRevision = known === 'no_stream' ? 0 : known + 1;
    const entry = this.buffer.get(streamName) ?? { firstRevision, events: [] };
    entry.events.push(...events);
    this.buffer.set(streamName, entry);
    this.buffered += events.length;
    const last = firstRevision + events.length - 1;
    this.revisions.set(streamName, last);
    this.localPosition += events.length;
    if (this.buffered >= this.flushEvents) await this.startFlush();
    return { nextExpectedRevision: last, position: this.localPosition };
  }

  /** Hands the buffer to a background flush; waits only for the previous flush to finish first. */
  async startFlush() {
    await this.flushing;
    const batch = [...this.buffer.entries()];
    this.buffer = new Map();
    this.buffered = 0;
    this.flushing = forEachLimited(batch, this.concurrency, async ([streamName, { firstRevision, events }]) => {
      const expectedRevision = firstRevision === 0 ? 'no_stream' : firstRevision - 1;
      await this.store.appendToStream(streamName, events, { expectedRevision });
      this.written += events.length;
      this.appends += 1;
    });
    // Keep an unobserved rejection from crashing the process; drain() rethrows it.
    this.flushing.catch(() => undefined);
  }

  /** Writes everything buffered and waits for it. */
  async drain() {
    if (this.buffered > 0) await this.startFlush();
    await this.flushing;
  }

  headPosition() {
    return this.store.headPosition();
  }
}
