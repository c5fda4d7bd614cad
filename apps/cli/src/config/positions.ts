import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CountersignClient } from '@countersign/client';
import { configPath } from './profiles.js';

/*
 * Read your writes across invocations: `countersign submit …` then `countersign status <id>` are
 * two processes, so the highest log position the CLI's writes got is kept per API URL, next to
 * the config file, and later reads send it as minPosition (they answer once the read models
 * include those writes).
 */

/** positions.json in the config file's folder. */
export function positionsPath(env: Readonly<Record<string, string | undefined>>): string {
  return path.join(path.dirname(configPath(env)), 'positions.json');
}

async function readPositions(file: string): Promise<Record<string, number>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/**
 * The position remembered for `baseUrl`, handed to the client for its reads. One the server has
 * not reached (its log is shorter: a fresh database behind the same URL) is forgotten, so a read
 * never waits for a write that is not there. Answers what was handed over (0: nothing).
 */
export async function recallPosition(file: string, baseUrl: string, client: CountersignClient): Promise<number> {
  const remembered = (await readPositions(file))[baseUrl];
  if (typeof remembered !== 'number' || !Number.isSafeInteger(remembered) || remembered <= 0) return 0;
  const health = await client.GET('/health').catch(() => undefined);
  const head = health?.data?.details.log.headPosition;
  if (typeof head !== 'number') return 0;
  if (head < remembered) {
    await storePosition(file, baseUrl, 0).catch(() => undefined);
    return 0;
  }
  client.remember(remembered);
  return remembered;
}

/** Keeps the client's position for `baseUrl` when its writes went past what was remembered; a folder that cannot be written is no error. */
export async function keepPosition(file: string, baseUrl: string, client: CountersignClient, recalled: number): Promise<void> {
  if (client.position > recalled) await storePosition(file, baseUrl, client.position).catch(() => undefined);
}

async function storePosition(file: string, baseUrl: string, position: number): Promise<void> {
  const positions = await readPositions(file);
  // Another invocation may have written further meanwhile: keep the higher one, unless forgetting.
  positions[baseUrl] = position === 0 ? 0 : Math.max(positions[baseUrl] ?? 0, position);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(positions, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
