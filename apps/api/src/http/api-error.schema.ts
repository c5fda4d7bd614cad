import type { Suggestion } from '@countersign/domain';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { arrayOf, jsonObject, logPosition, objectOf, oneOfValues, ref, string, uuid, type Schema } from '../openapi/schema-builders.js';
import { ERROR_STATUS, type ErrorCode } from './api-error.js';

/** The error codes that a group of routes can answer besides their own. */
export const ROUTE_ERRORS = {
  /**
   * Every route, answered before any controller runs (request guards, router, HTTP parser;
   * docs/api.md "Requests"): a query parameter named after an Object member or holding what no
   * store can hold, a path that is not valid percent-encoding, a request that did not arrive in
   * time, a request line and headers over 16 KiB; and a bug. ApiErrors adds them to every route.
   */
  any: ['invalid_request', 'invalid_query', 'request_timeout', 'headers_too_large', 'internal_error'],
  /**
   * Every route that reads or writes PostgreSQL, when its connection is lost (docs/operations.md
   * "Losing the database connection"). ApiErrors adds it unless the route reaches no database.
   */
  database: ['unavailable'],
  /** Every route but the public ones. */
  authenticated: ['unauthorized'],
  /** Every POST: the request guards and the JSON parser, before any validation (GET bodies are never read). */
  body: ['malformed_json', 'invalid_request', 'reserved_key', 'payload_too_large', 'unsupported_media_type'],
  /** A route with path parameters: a segment no store can hold or over the router's 1,000 characters, or not a uuid where one is expected. */
  path: ['invalid_request', 'uri_too_long'],
  /** A read with `minPosition` that the projections did not reach in time. */
  read: ['projection_lag'],
  /** A command that needs an execution slot (ADR 0006) and its state's lane. */
  execution: ['over_capacity', 'lane_busy'],
} as const satisfies Record<string, readonly ErrorCode[]>;

type ErrorBody = {
  error: ErrorCode;
  message: string;
  details: Record<string, unknown>;
  mutationId?: string;
  batchId?: string;
  status?: string;
  suggestions?: Suggestion[];
  steps?: unknown[];
  compensates?: string;
  position?: number;
};

export const ERROR_SCHEMAS: Record<string, Schema> = {
  ApiError: objectOf<ErrorBody>(
    {
      error: oneOfValues(Object.keys(ERROR_STATUS), 'the stable error code; each operation lists the codes it can answer'),
      message: string({ description: 'for people; do not parse it' }),
      details: jsonObject('what the code is about: the field, the current version, the violations, …'),
      mutationId: uuid('a recorded denial or failure (guard_denied, policy_denied, dependency_failed): the mutation recorded'),
      batchId: uuid('a recorded batch denial: the batch recorded'),
      status: string({ description: 'denied or failed for a recorded refusal; the current status for mutation_not_pending and batch_not_pending' }),
      suggestions: arrayOf(ref('Suggestion'), { description: 'a recorded denial: corrections to try instead' }),
      steps: arrayOf(ref('BatchStep'), { description: 'a recorded batch denial: its steps' }),
      compensates: uuid('a recorded denial of a revert: the mutation it would undo'),
      position: logPosition(),
    },
    {
      description: 'Every error: `{ error, message, details }`; recorded denials add the record. Bad input is never a 5xx and writes nothing.',
      optional: ['mutationId', 'batchId', 'status', 'suggestions', 'steps', 'compensates', 'position'],
    },
  ),
};

export interface ErrorExample {
  summary: string;
  value: { error: ErrorCode } & Record<string, unknown>;
}

export interface ApiErrorsOptions {
  examples?: Record<string, ErrorExample>;
  /** False for the few routes that never reach PostgreSQL (the contracts, this document, health, which answers its own 503). */
  database?: boolean;
}

/** The codes a route documents: its own, those of every route, and `unavailable` when it touches the database. */
export function routeErrorCodes(codes: readonly ErrorCode[], options: Pick<ApiErrorsOptions, 'database'> = {}): ErrorCode[] {
  return [...new Set<ErrorCode>([...codes, ...ROUTE_ERRORS.any, ...(options.database === false ? [] : ROUTE_ERRORS.database)])];
}

/**
 * Documents the error answers of a route: one response per status, whose `error` is one of the
 * given codes plus those every route can answer (ROUTE_ERRORS.any) and, unless the route touches
 * no database, `unavailable`. Statuses come from ERROR_STATUS, the one table of the HTTP contract.
 */
export function ApiErrors(codes: readonly ErrorCode[], options: ApiErrorsOptions = {}): MethodDecorator {
  const examples = options.examples ?? {};
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeErrorCodes(codes, options)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const decorators = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, statusCodes]) => {
      const statusExamples = Object.fromEntries(Object.entries(examples).filter(([, example]) => ERROR_STATUS[example.value.error] === status));
      return ApiResponse({
        status,
        description: statusCodes.map((code) => `\`${code}\``).join(', '),
        content: {
          'application/json': {
            schema: { allOf: [ref('ApiError'), { type: 'object', properties: { error: { enum: statusCodes } } }] },
            ...(Object.keys(statusExamples).length > 0 ? { examples: statusExamples } : {}),
          },
        },
      });
    });
  return applyDecorators(...decorators);
}
