import { readFile } from 'node:fs/promises';
import { unwrap, type Schemas } from '@countersign/client';
import { EXIT_CODES, exitCodeOfBatchStatus } from '../exit-codes.js';
import { UsageError } from '../failures.js';
import type { CommandContext, CommandOutput } from './command.js';
import { renderBatch, type BatchView } from '../output/batch.js';

export interface BatchOptions {
  mode?: string;
  reason?: string;
  wait?: boolean;
  timeoutMs?: number;
}

const SETTLING = new Set(['pending', 'running', 'compensating']);

/**
 * `countersign batch <file.json>`: submits the batch in the file — `{ "mode", "mutations": [...] }`
 * or just the array of mutations — with --mode overriding the file's (atomic when neither says).
 * With --wait it waits until the batch has settled.
 */
export async function batch(file: string, options: BatchOptions, context: CommandContext): Promise<CommandOutput> {
  const body = await batchBody(file, options);
  let answer = unwrap(await context.client.POST('/v1/batches', { body })) as Schemas['Batch'];
  if (options.wait && SETTLING.has(answer.status)) {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = context.now() + timeoutMs;
    context.progress(`Waiting up to ${Math.round(timeoutMs / 1000)} s for batch ${answer.batchId} (${answer.status})…`);
    while (SETTLING.has(answer.status) && context.now() < deadline) {
      await context.sleep(Math.min(context.pollIntervalMs, Math.max(0, deadline - context.now())));
      const previous = answer.status;
      answer = unwrap(await context.client.GET('/v1/batches/{id}', { params: { path: { id: answer.batchId } } }));
      if (answer.status !== previous) context.progress(`  ${answer.status}`);
    }
    if (SETTLING.has(answer.status)) return { json: answer, text: renderBatch(answer as unknown as BatchView, context.style), exitCode: EXIT_CODES.pending, message: `batch ${answer.batchId} is still ${answer.status} after --timeout` };
  }
  const exitCode = exitCodeOfBatchStatus(answer.status);
  return { json: answer, text: renderBatch(answer as unknown as BatchView, context.style), exitCode, ...(exitCode === 0 ? {} : { message: `batch ${answer.batchId} is ${answer.status}` }) };
}

async function batchBody(file: string, options: BatchOptions): Promise<Schemas['SubmitBatchDto']> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file} is not a readable JSON file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fromFile = (Array.isArray(parsed) ? { mutations: parsed } : parsed) as Partial<Schemas['SubmitBatchDto']>;
  if (!fromFile || typeof fromFile !== 'object' || !Array.isArray(fromFile.mutations)) throw new UsageError(`${file} must hold { "mode", "mutations": [...] } or an array of mutations`);
  const mode = options.mode ?? fromFile.mode ?? 'atomic';
  if (mode !== 'atomic' && mode !== 'independent') throw new UsageError(`--mode must be atomic or independent, not "${mode}"`);
  return { ...fromFile, mode, mutations: fromFile.mutations, ...(options.reason !== undefined ? { reason: options.reason } : {}) };
}
