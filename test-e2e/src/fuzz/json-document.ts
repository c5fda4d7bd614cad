/**
 * A JSON document as the fuzzer sends it. Unlike a JavaScript object it keeps what JSON can say
 * but `JSON.stringify` cannot: duplicate keys, a key named `__proto__`, number literals beyond a
 * double (`9223372036854775808`, `1e400`). Long strings, long arrays and deep nesting stay
 * compact until sent, so ten thousand cases fit in memory and a repro prints in one line.
 */
export type JsonDocument =
  | { kind: 'value'; value: null | boolean | number | string }
  | { kind: 'literal'; text: string }
  | { kind: 'object'; entries: [string, JsonDocument][] }
  | { kind: 'array'; items: JsonDocument[] }
  | { kind: 'long-string'; unit: string; times: number }
  | { kind: 'long-array'; item: JsonDocument; times: number }
  | { kind: 'deep'; depth: number; container: 'object' | 'array'; leaf: JsonDocument };

export type JsonPath = (string | number)[];

/** Plain JSON-like data (objects, arrays, scalars) as a document. */
export function doc(value: unknown): JsonDocument {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return { kind: 'value', value };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(doc) };
  if (typeof value === 'object') return { kind: 'object', entries: Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, doc(item)]) };
  throw new Error(`not JSON: ${String(value)}`);
}

export const literal = (text: string): JsonDocument => ({ kind: 'literal', text });
export const longString = (unit: string, times: number): JsonDocument => ({ kind: 'long-string', unit, times });
export const longArray = (item: JsonDocument, times: number): JsonDocument => ({ kind: 'long-array', item, times });
export const deep = (depth: number, container: 'object' | 'array', leaf: JsonDocument = doc(1)): JsonDocument => ({ kind: 'deep', depth, container, leaf });
export const object = (entries: [string, JsonDocument][]): JsonDocument => ({ kind: 'object', entries });

/** The JSON text, as sent. */
export function renderJson(document: JsonDocument): string {
  switch (document.kind) {
    case 'value':
      return JSON.stringify(document.value);
    case 'literal':
      return document.text;
    case 'object':
      return `{${document.entries.map(([key, value]) => `${JSON.stringify(key)}:${renderJson(value)}`).join(',')}}`;
    case 'array':
      return `[${document.items.map(renderJson).join(',')}]`;
    case 'long-string':
      return JSON.stringify(document.unit.repeat(document.times));
    case 'long-array': {
      const item = renderJson(document.item);
      return `[${new Array<string>(document.times).fill(item).join(',')}]`;
    }
    case 'deep':
      return document.container === 'object'
        ? `${'{"a":'.repeat(document.depth)}${renderJson(document.leaf)}${'}'.repeat(document.depth)}`
        : `${'['.repeat(document.depth)}${renderJson(document.leaf)}${']'.repeat(document.depth)}`;
  }
}

/** A short, readable form for reports: long and deep parts are summarised, not expanded. */
export function describeJson(document: JsonDocument): string {
  switch (document.kind) {
    case 'value':
    case 'literal':
      return renderJson(document);
    case 'object':
      return `{${document.entries.map(([key, value]) => `${JSON.stringify(key)}:${describeJson(value)}`).join(',')}}`;
    case 'array':
      return `[${document.items.map(describeJson).join(',')}]`;
    case 'long-string':
      return `${JSON.stringify(document.unit)}×${document.times}`;
    case 'long-array':
      return `[${describeJson(document.item)} ×${document.times}]`;
    case 'deep':
      return document.container === 'object'
        ? `{"a":{"a":…${document.depth} levels…${describeJson(document.leaf)}}}`
        : `[[…${document.depth} levels…${describeJson(document.leaf)}]]`;
  }
}

/** The document with the value at `path` replaced (or added, when the last key is missing). */
export function setAt(document: JsonDocument, path: JsonPath, value: JsonDocument): JsonDocument {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (document.kind === 'object' && typeof head === 'string') {
    const index = document.entries.findIndex(([key]) => key === head);
    if (index < 0) {
      if (rest.length > 0) throw new Error(`no ${head} to descend into`);
      return object([...document.entries, [head, value]]);
    }
    return object(document.entries.map(([key, item], at) => [key, at === index ? setAt(item, rest, value) : item]));
  }
  if (document.kind === 'array' && typeof head === 'number') {
    return { kind: 'array', items: document.items.map((item, at) => (at === head ? setAt(item, rest, value) : item)) };
  }
  throw new Error(`cannot set ${String(head)} in a ${document.kind}`);
}

/** The document without the key at `path`. */
export function removeAt(document: JsonDocument, path: JsonPath): JsonDocument {
  const [head, ...rest] = path;
  if (document.kind === 'array' && typeof head === 'number' && rest.length > 0) {
    return { kind: 'array', items: document.items.map((item, at) => (at === head ? removeAt(item, rest) : item)) };
  }
  if (document.kind !== 'object' || typeof head !== 'string') throw new Error(`cannot remove ${String(head)} from a ${document.kind}`);
  if (rest.length === 0) return object(document.entries.filter(([key]) => key !== head));
  return object(document.entries.map(([key, item]) => [key, key === head ? removeAt(item, rest) : item]));
}

/** The document with one more entry in the object at `path` (kept even when the key exists: a duplicate key). */
export function addEntry(document: JsonDocument, path: JsonPath, key: string, value: JsonDocument): JsonDocument {
  if (path.length === 0) {
    if (document.kind !== 'object') throw new Error(`cannot add ${key} to a ${document.kind}`);
    return object([...document.entries, [key, value]]);
  }
  const [head, ...rest] = path;
  if (document.kind === 'object') return object(document.entries.map(([name, item]) => [name, name === head ? addEntry(item, rest, key, value) : item]));
  if (document.kind === 'array') return { kind: 'array', items: document.items.map((item, at) => (at === head ? addEntry(item, rest, key, value) : item)) };
  throw new Error(`cannot descend into a ${document.kind}`);
}

/** The value at `path`, if there is one. */
export function getAt(document: JsonDocument, path: JsonPath): JsonDocument | undefined {
  let current: JsonDocument | undefined = document;
  for (const step of path) {
    if (current?.kind === 'object') current = current.entries.find(([key]) => key === step)?.[1];
    else if (current?.kind === 'array' && typeof step === 'number') current = current.items[step];
    else return undefined;
  }
  return current;
}
