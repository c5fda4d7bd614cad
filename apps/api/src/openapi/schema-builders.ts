import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';

/** A JSON Schema (OpenAPI 3.1, i.e. JSON Schema 2020-12) or a reference to a component schema. */
export type Schema = SchemaObject | ReferenceObject;

/** A reference to one of the document's component schemas (`API_SCHEMAS`); the document test fails on a dangling one. */
export function ref(name: string): ReferenceObject {
  return { $ref: `#/components/schemas/${name}` };
}

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * A closed object schema with one property schema for every field of `T`: the compiler refuses a
 * missing or an unknown field, so the document follows the TypeScript type of the answer. Fields
 * are required unless named in `optional` (fields that may be left out of the JSON entirely).
 */
export function objectOf<T>(
  properties: { [K in keyof T]-?: Schema },
  options: { description?: string; optional?: readonly OptionalKeys<T>[] } = {},
): SchemaObject {
  const optional = new Set<string>((options.optional ?? []) as readonly string[]);
  return {
    type: 'object',
    ...(options.description ? { description: options.description } : {}),
    properties: properties as Record<string, Schema>,
    required: Object.keys(properties).filter((key) => !optional.has(key)),
    additionalProperties: false,
  };
}

/** The schema, or null. */
export function nullable(schema: Schema): Schema {
  if ('$ref' in schema || schema.type === undefined) return { anyOf: [schema, { type: 'null' }] };
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return { ...schema, type: [...types, 'null'], ...(schema.enum ? { enum: [...schema.enum, null] } : {}) };
}

/** Always null (a field that has no value yet in this shape of an answer). */
export function nullValue(description?: string): SchemaObject {
  return { type: 'null', ...(description ? { description } : {}) };
}

export function string(options: Omit<SchemaObject, 'type'> = {}): SchemaObject {
  return { type: 'string', ...options };
}

export function integer(options: Omit<SchemaObject, 'type'> = {}): SchemaObject {
  return { type: 'integer', ...options };
}

export function boolean(description?: string): SchemaObject {
  return { type: 'boolean', ...(description ? { description } : {}) };
}

export function oneOfValues(values: readonly (string | number)[], description?: string): SchemaObject {
  return { type: typeof values[0] === 'number' ? 'integer' : 'string', enum: [...values], ...(description ? { description } : {}) };
}

export function constant(value: string | boolean, description?: string): SchemaObject {
  return { type: typeof value === 'boolean' ? 'boolean' : 'string', const: value, ...(description ? { description } : {}) };
}

export function arrayOf(items: Schema, options: Omit<SchemaObject, 'type' | 'items'> = {}): SchemaObject {
  return { type: 'array', items, ...options };
}

/** An ISO 8601 date-time as the API writes it (`2026-12-08T10:00:00.000Z`). */
export function timestamp(description?: string): SchemaObject {
  return { type: 'string', format: 'date-time', ...(description ? { description } : {}) };
}

export function uuid(description?: string): SchemaObject {
  return { type: 'string', format: 'uuid', ...(description ? { description } : {}) };
}

/** A position in the event log: pass it as `minPosition` to read your own write. */
export function logPosition(description = 'the position of the write in the event log; pass it as minPosition to read your own write'): SchemaObject {
  return { type: 'integer', minimum: 0, description };
}

/** Any JSON value (a state document, a payload, a diff value). */
export function anyJson(description: string): SchemaObject {
  return { description };
}

/** A JSON object whose keys are not fixed by the API (payloads, metadata, details). */
export function jsonObject(description: string): SchemaObject {
  return { type: 'object', additionalProperties: true, description };
}

/** `{ items, nextCursor }`: pass `nextCursor` back as `cursor` for the next page; null on the last page. */
export function pageOf(item: Schema, description: string): SchemaObject {
  return {
    type: 'object',
    description,
    properties: {
      items: arrayOf(item),
      nextCursor: nullable(string({ description: 'pass it back as `cursor` for the next page; null on the last page' })),
    },
    required: ['items', 'nextCursor'],
    additionalProperties: false,
  };
}

/** A closed object schema with more (required) properties than `base`. */
export function extendObject(base: SchemaObject, properties: Record<string, Schema>, description?: string): SchemaObject {
  return {
    ...base,
    ...(description ? { description } : {}),
    properties: { ...base.properties, ...properties },
    required: [...(base.required ?? []), ...Object.keys(properties)],
  };
}
