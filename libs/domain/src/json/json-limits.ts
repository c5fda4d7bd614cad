/** Why a JSON value was refused; `path` names the field (`metadata.team`, `mutations[2].payload`). */
export interface JsonViolation {
  path: string;
  message: string;
  reason: 'too_deep' | 'unstorable_text' | 'reserved_key' | 'not_finite' | 'underflow';
}

/**
 * Keys that reach an object's prototype or constructor when a consumer copies a value by
 * assignment; libraries on the way (Nest's validation among them) would drop them silently, so
 * they are refused instead.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What keeps a text out of PostgreSQL (`text` and `jsonb` refuse NUL; `jsonb` refuses a lone
 * UTF-16 surrogate, which is no character at all), or undefined when it is storable.
 */
export function describeUnstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (not a character)';
  return undefined;
}

/** `a.b[2]` for plain keys, `a["x.y"]` for the others, so a path always names one field. */
export function jsonPathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The first part of a parsed JSON value that the stores cannot hold or that is refused on
 * principle: nesting deeper than `maxDepth` (the value itself is depth 1), a text with NUL or a
 * lone surrogate (in a value or a key), a reserved key, a number that is not finite (JSON.parse
 * turns 1e400 into Infinity, which JSON.stringify would write as null). Iterative, so any depth is
 * inspected without growing the call stack.
 */
export function findJsonViolation(value: unknown, maxDepth: number, rootPath = ''): JsonViolation | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: rootPath, depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    const where = item.path === '' ? 'the body' : item.path;
    if (typeof item.value === 'string') {
      const problem = describeUnstorableText(item.value);
      if (problem) return { path: item.path, message: `${where} ${problem}`, reason: 'unstorable_text' };
      continue;
    }
    if (typeof item.value === 'number') {
      if (!Number.isFinite(item.value)) return { path: item.path, message: `${where} is not a finite number`, reason: 'not_finite' };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > maxDepth) return { path: item.path, message: `${where} nests deeper than ${maxDepth} levels`, reason: 'too_deep' };
    if (Array.isArray(item.value)) {
      for (let index = item.value.length - 1; index >= 0; index--) {
        stack.push({ value: item.value[index], path: jsonPathOf(item.path, index), depth: item.depth + 1 });
      }
      continue;
    }
    const keys = Object.keys(item.value);
    for (const key of keys) {
      const path = jsonPathOf(item.path, key);
      if (RESERVED_KEYS.has(key)) return { path, message: `${path}: the key "${key}" is reserved and may not be used`, reason: 'reserved_key' };
      const problem = describeUnstorableText(key);
      if (problem) return { path, message: `a key of ${where} ${problem}`, reason: 'unstorable_text' };
    }
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      stack.push({ value: (item.value as Record<string, unknown>)[key], path: jsonPathOf(item.path, key), depth: item.depth + 1 });
    }
  }
  return undefined;
}

/** The strings and numbers of a JSON text, in order: in valid JSON, a digit outside a string belongs to a number. */
const JSON_STRINGS_AND_NUMBERS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
/** No literal can vanish without a negative exponent. */
const NEGATIVE_EXPONENT = /\d[eE]-\d/;

/**
 * The first number literal of a valid JSON text that is not zero but reads as zero: below the
 * smallest double (`1e-400`), JSON.parse rounds it to 0, so the value held would not be the value
 * sent (like 1e400, which reads as Infinity). Its path is found by parsing the text again with
 * each such literal replaced by a string no accepted body holds (a NUL): for a text whose parsed
 * value findJsonViolation accepts.
 */
export function findVanishingNumber(text: string, rootPath = ''): JsonViolation | undefined {
  if (!NEGATIVE_EXPONENT.test(text)) return undefined;
  const marker = '\u0000vanished';
  let found = false;
  const marked = text.replace(JSON_STRINGS_AND_NUMBERS, (token) => {
    if (token.startsWith('"') || Number(token) !== 0 || !/[1-9]/.test(token.split(/[eE]/)[0] as string)) return token;
    found = true;
    return JSON.stringify(marker);
  });
  if (!found) return undefined;
  const stack: { value: unknown; path: string }[] = [{ value: JSON.parse(marked) as unknown, path: rootPath }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string };
    if (item.value === marker) {
      const where = item.path === '' ? 'the body' : item.path;
      return { path: item.path, message: `${where} is a number too small to hold: it would read as 0`, reason: 'underflow' };
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(item.value) ? item.value.map((value, index) => [index, value]) : Object.entries(item.value);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, value] = entries[index] as [string | number, unknown];
      stack.push({ value, path: jsonPathOf(item.path, key) });
    }
  }
  return undefined;
}
