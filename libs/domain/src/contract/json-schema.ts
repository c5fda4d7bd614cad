import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** A JSON Schema document (draft 2020-12 subset supported by Ajv's default draft-07 mode). */
export type JsonSchema = { [key: string]: unknown };

export interface SchemaViolation {
  path: string;
  message: string;
}

export type SchemaValidator = (value: unknown) => SchemaViolation[];

const addFormats = addFormatsModule.default;

let ajvInstance: Ajv | undefined;

/** One Ajv for all schemas: creating an instance (with formats) costs ~100 ms, compiling is cheap. */
function sharedAjv(): Ajv {
  if (!ajvInstance) {
    ajvInstance = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

/** Compiles a schema into a validator returning readable violations (empty when valid). */
export function compileSchema(schema: JsonSchema, label: string): SchemaValidator {
  let validate: ValidateFunction;
  try {
    validate = sharedAjv().compile(schema);
  } catch (error) {
    throw new Error(`${label}: invalid JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(toViolation));
}

function toViolation(error: ErrorObject): SchemaViolation {
  const base = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = error.keyword === 'required' ? String((error.params as { missingProperty?: string }).missingProperty ?? '') : '';
  const extra = error.keyword === 'additionalProperties' ? String((error.params as { additionalProperty?: string }).additionalProperty ?? '') : '';
  const path = [base, missing || extra].filter(Boolean).join('.');
  return { path: path || '(root)', message: error.message ?? error.keyword };
}
