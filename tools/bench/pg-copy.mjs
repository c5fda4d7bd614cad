// Minimal COPY TO STDOUT / COPY FROM STDIN for node-postgres, written for the benchmarks because
// pg-copy-streams is not installed. Both are "custom submittables": objects with submit() that
// pg's Client runs in its query queue and feeds the backend's messages to (the same hook
// pg-cursor and pg-copy-streams use). Text format, whole table in memory: fine for a benchmark.
import { once } from 'node:events';

class CopySubmittable {
  constructor(text) {
    this.text = text;
    this.commandText = undefined;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection) {
    connection.query(this.text);
  }

  handleCommandComplete(message) {
    this.commandText = message.text;
  }

  handleError(error) {
    // The client drops an errored query before its ReadyForQuery: settle here.
    this.reject(error);
  }

  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}

  handleCopyInResponse(connection) {
    connection.sendCopyFail('this query does not copy in');
  }

  handleCopyData() {}

  /** Rows affected, from the "COPY <n>" command tag. */
  rowCount() {
    const match = /^COPY (\d+)$/.exec(this.commandText ?? '');
    return match ? Number(match[1]) : Number.NaN;
  }
}

class CopyOut extends CopySubmittable {
  constructor(text) {
    super(text);
    this.chunks = [];
    this.bytes = 0;
  }

  handleCopyData(message) {
    // The protocol parser reuses its buffer: keep a copy of every chunk.
    const chunk = Buffer.from(message.chunk);
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  handleReadyForQuery() {
    this.resolve({ chunks: this.chunks, bytes: this.bytes, rows: this.rowCount() });
  }
}

class CopyIn extends CopySubmittable {
  constructor(text, chunks) {
    super(text);
    this.chunks = chunks;
  }

  handleCopyInResponse(connection) {
    void this.send(connection);
  }

  async send(connection) {
    try {
      for (const chunk of this.chunks) {
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      }
      connection.endCopyFrom();
    } catch (error) {
      connection.sendCopyFail(error instanceof Error ? error.message : String(error));
    }
  }

  handleReadyForQuery() {
    this.resolve({ rows: this.rowCount() });
  }
}

/** Runs `COPY ... TO STDOUT` on a connected pg.Client; the data comes back as chunks of ~256 KiB. */
export async function copyOut(client, sql) {
  const query = new CopyOut(sql);
  client.query(query);
  const result = await query.promise;
  return { ...result, chunks: regroup(result.chunks, 256 * 1024) };
}

/** Runs `COPY ... FROM STDIN` on a connected pg.Client, sending `chunks` (text format rows). */
export async function copyIn(client, sql, chunks) {
  const query = new CopyIn(sql, chunks);
  client.query(query);
  return query.promise;
}

/** Concatenates row-sized chunks into larger ones (fewer CopyData messages). */
function regroup(chunks, target) {
  const grouped = [];
  let pending = [];
  let size = 0;
  for (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= target) {
      grouped.push(Buffer.concat(pending, size));
      pending = [];
      size = 0;
    }
  }
  if (size > 0) grouped.push(Buffer.concat(pending, size));
  return grouped;
}
