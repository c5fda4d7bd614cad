import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { ref, type Schema } from './schema-builders.js';

export interface AnswerExample {
  summary: string;
  value: unknown;
}

/**
 * Documents a successful answer of a route: its status and JSON body, one of the named component
 * schemas (several: any one of them), with examples.
 */
export function ApiAnswer(status: number, schemas: string | readonly string[], description: string, examples: Record<string, AnswerExample> = {}): MethodDecorator {
  const names = typeof schemas === 'string' ? [schemas] : schemas;
  const schema: Schema = names.length === 1 ? ref(names[0] as string) : { oneOf: names.map(ref) };
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema, ...(Object.keys(examples).length > 0 ? { examples } : {}) } },
  });
}

/** Documents a successful answer that is not JSON (a text format, a page, a file). */
export function ApiContentAnswer(status: number, content: Record<string, Schema>, description: string): MethodDecorator {
  return ApiResponse({ status, description, content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) });
}

/** `X-Correlation-Id`: recorded on the events of the request and echoed back. */
export function ApiCorrelationId(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: 'recorded on every event of this request (1-128 of A-Z a-z 0-9 . _ : -); a fresh one otherwise',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    }),
  );
}
