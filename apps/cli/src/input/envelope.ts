import { readFileSync } from 'node:fs';
import type { Schemas } from '@countersign/client';
import { UsageError } from '../failures.js';
import { commandLineValue, integerFlag, keyValue } from './values.js';

/** The flags that shape a mutation, shared by `plan` and `submit` (the same flags give the same plan hash). */
export interface EnvelopeOptions {
  payload?: string;
  set?: string[];
  expectedVersion?: string;
  tag?: string[];
  metadata?: string[];
  blastRadius?: string;
  category?: string;
  risk?: string;
  severity?: string;
  reason?: string;
  dependsOn?: string[];
  dependencyTimeout?: string;
  notBefore?: string;
}

export type SubmitBody = Schemas['SubmitMutationDto'];

/** The submit envelope of `<stateType> <stateId> <transition>` and the flags. */
export function envelope(stateType: string, stateId: string, transition: string, options: EnvelopeOptions): SubmitBody {
  const metadata = options.metadata?.length ? Object.fromEntries(options.metadata.map((pair) => keyValue('--metadata', pair))) : undefined;
  const body: SubmitBody = { stateType, stateId, transition, payload: payloadOf(options) };
  const expectedVersion = integerFlag('--expected-version', options.expectedVersion);
  const blastRadius = integerFlag('--blast-radius', options.blastRadius);
  if (expectedVersion !== undefined) body.expectedVersion = expectedVersion;
  if (options.tag?.length) body.tags = options.tag;
  if (metadata) body.metadata = metadata;
  if (blastRadius !== undefined) body.estimatedBlastRadius = blastRadius;
  if (options.category !== undefined) body.category = options.category;
  if (options.risk !== undefined) body.riskLevel = options.risk as SubmitBody['riskLevel'];
  if (options.severity !== undefined) body.sideEffectSeverity = options.severity as SubmitBody['sideEffectSeverity'];
  if (options.reason !== undefined) body.reason = options.reason;
  if (options.dependsOn?.length) body.dependsOn = options.dependsOn;
  if (options.dependencyTimeout !== undefined) body.dependencyTimeout = options.dependencyTimeout;
  if (options.notBefore !== undefined) body.notBefore = options.notBefore;
  return body;
}

/**
 * The payload: `--payload` (JSON, or `@file.json`), then each `--set path=value` on top of it
 * (dot paths nest: `--set limits.cpu=8`; values are JSON when they parse, strings otherwise).
 */
export function payloadOf(options: Pick<EnvelopeOptions, 'payload' | 'set'>): Record<string, unknown> {
  let payload: unknown = {};
  if (options.payload !== undefined) {
    const text = options.payload.startsWith('@') ? readPayloadFile(options.payload.slice(1)) : options.payload;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--payload is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new UsageError('--payload must be a JSON object');
  }
  const result = payload as Record<string, unknown>;
  for (const assignment of options.set ?? []) {
    const [path, text] = keyValue('--set', assignment);
    setAt(result, path.split('.'), commandLineValue(text), assignment);
  }
  return result;
}

function readPayloadFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--payload @${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function setAt(target: Record<string, unknown>, keys: string[], value: unknown, assignment: string): void {
  const [key, ...rest] = keys;
  if (!key || key === '__proto__' || key === 'constructor' || key === 'prototype') throw new UsageError(`--set ${assignment}: "${key ?? ''}" cannot be a key`);
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  const next = Object.hasOwn(target, key) ? target[key] : undefined;
  if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next))) throw new UsageError(`--set ${assignment}: ${key} is not an object`);
  const child = (next as Record<string, unknown> | undefined) ?? {};
  target[key] = child;
  setAt(child, rest, value, assignment);
}
