import { cloneJson, jsonEqual, type JsonObject, type JsonValue } from './json.js';

/**
 * What a transition does to a state document. Paths are dot-notation (`limits.daily`,
 * `rules.0.segment`); numeric segments address array elements; the empty path is the whole
 * document (only `set` may target it).
 */
export type Op =
  | { op: 'set'; path: string; value: JsonValue }
  | { op: 'unset'; path: string }
  | { op: 'increment'; path: string; by: number }
  | { op: 'push'; path: string; value: JsonValue }
  | { op: 'remove'; path: string; value: JsonValue }
  | { op: 'insert'; path: string; index: number; value: JsonValue }
  | { op: 'removeAt'; path: string; index: number };

export class OpError extends Error {
  readonly code = 'effect_failed';
  constructor(
    readonly op: Op,
    message: string,
  ) {
    super(`${op.op} ${op.path || '(root)'}: ${message}`);
  }
}

export function parsePath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/** Applies ops in order to a copy of `document`; the input is never modified. */
export function applyOps(document: JsonValue | null, ops: readonly Op[]): JsonValue {
  let result: JsonValue | null = cloneJson(document);
  for (const op of ops) result = applyOp(result, op);
  if (result === null && ops.length === 0) return null;
  return result as JsonValue;
}

function applyOp(document: JsonValue | null, op: Op): JsonValue | null {
  const segments = parsePath(op.path);
  if (segments.length === 0) {
    if (op.op !== 'set') throw new OpError(op, 'only set may target the whole document');
    return cloneJson(op.value);
  }
  if (document === null || typeof document !== 'object') throw new OpError(op, 'the document is not an object');
  // unset of a path whose parent is missing has nothing to remove; it must not create the parents.
  const parent = walkToParent(document, segments.slice(0, -1), op, op.op !== 'unset');
  if (parent === undefined) return document;
  const key = segments[segments.length - 1] as string;
  switch (op.op) {
    case 'set':
      writeChild(parent, key, cloneJson(op.value), op);
      break;
    case 'unset':
      deleteChild(parent, key, op);
      break;
    case 'increment': {
      const current = readChild(parent, key);
      if (current !== undefined && typeof current !== 'number') throw new OpError(op, 'the value is not a number');
      if (!Number.isFinite(op.by)) throw new OpError(op, 'increment must be a finite number');
      writeChild(parent, key, (current ?? 0) + op.by, op);
      break;
    }
    case 'push':
      arrayAt(parent, key, op, true).push(cloneJson(op.value));
      break;
    case 'remove': {
      const array = arrayAt(parent, key, op, false);
      const kept = array.filter((item) => !jsonEqual(item, op.value));
      array.splice(0, array.length, ...kept);
      break;
    }
    case 'insert': {
      const array = arrayAt(parent, key, op, true);
      if (!Number.isInteger(op.index) || op.index < 0 || op.index > array.length) throw new OpError(op, `index ${op.index} is out of range`);
      array.splice(op.index, 0, cloneJson(op.value));
      break;
    }
    case 'removeAt': {
      const array = arrayAt(parent, key, op, false);
      if (!Number.isInteger(op.index) || op.index < 0 || op.index >= array.length) throw new OpError(op, `index ${op.index} is out of range`);
      array.splice(op.index, 1);
      break;
    }
    default: {
      const unknownOp: never = op;
      throw new Error(`unknown op ${JSON.stringify(unknownOp)}`);
    }
  }
  return document;
}

type Container = JsonObject | JsonValue[];

/**
 * Walks to the container of the last segment, creating missing objects on the way, or, when
 * `createMissing` is false, returning undefined at the first missing object property.
 */
function walkToParent(document: Container, segments: string[], op: Op, createMissing: boolean): Container | undefined {
  let node: Container = document;
  for (const segment of segments) {
    let next = readChild(node, segment);
    if (next === undefined || next === null) {
      if (Array.isArray(node)) throw new OpError(op, `no element at ${segment}`);
      if (!createMissing) return undefined;
      next = {};
      setOwnProperty(node, segment, next);
    }
    if (typeof next !== 'object') throw new OpError(op, `${segment} is not an object or array`);
    node = next;
  }
  return node;
}

function readChild(node: Container, key: string): JsonValue | undefined {
  if (Array.isArray(node)) {
    const index = toIndex(key);
    return index === undefined ? undefined : node[index];
  }
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

function writeChild(node: Container, key: string, value: JsonValue, op: Op): void {
  if (Array.isArray(node)) {
    const index = toIndex(key);
    if (index === undefined || index > node.length) throw new OpError(op, `${key} is not a valid array index`);
    node[index] = value;
    return;
  }
  setOwnProperty(node, key, value);
}

/** Defines a plain data property, so a key such as `__proto__` stays data instead of replacing the prototype. */
function setOwnProperty(node: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

function deleteChild(node: Container, key: string, op: Op): void {
  if (Array.isArray(node)) {
    const index = toIndex(key);
    if (index === undefined || index >= node.length) throw new OpError(op, `${key} is not a valid array index`);
    node.splice(index, 1);
    return;
  }
  delete node[key];
}

function arrayAt(node: Container, key: string, op: Op, createIfMissing: boolean): JsonValue[] {
  const current = readChild(node, key);
  if (current === undefined && createIfMissing) {
    const created: JsonValue[] = [];
    writeChild(node, key, created, op);
    return created;
  }
  if (!Array.isArray(current)) throw new OpError(op, 'the value is not an array');
  return current;
}

function toIndex(key: string): number | undefined {
  return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : undefined;
}

