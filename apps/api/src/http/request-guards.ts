import { describeUnstorableText, ENVELOPE_LIMITS, findJsonViolation } from '@countersign/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

/** The only body the API reads; anything else is 415 before it is read (docs/api.md "Requests"). */
const JSON_MEDIA_TYPE = 'application/json';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Everything the API checks of a request before Nest sees it, in one place: JSON is the only
 * content type (a browser form post can never act), a body is parsed once and inspected for what
 * no store can hold (deep nesting, NUL, lone surrogates, non-finite numbers) or what is refused on
 * principle (`__proto__`), and path segments and query parameters are refused when PostgreSQL
 * could not hold them. Each refusal is a 4xx naming the field; none of them writes anything.
 */
export function installRequestGuards(fastify: FastifyInstance, bodyLimitBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'string', bodyLimit: bodyLimitBytes }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    try {
      refuseNonJsonBody(request);
      refuseUnstorableParameters(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

/** Parses a JSON body and refuses what the stores cannot hold; the value is otherwise untouched. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new ApiError('malformed_json', 'request body is empty; send a JSON object');
  let value: unknown;
  try {
    // JSON.parse keeps a "__proto__" key as an own property (never the prototype); it is refused just below.
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('malformed_json', `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const violation = findJsonViolation(value, ENVELOPE_LIMITS.maxJsonDepth);
  if (violation?.reason === 'reserved_key') {
    throw new ApiError('reserved_key', violation.message, { field: violation.path });
  }
  if (violation) {
    throw new ApiError('invalid_request', violation.message, { field: violation.path, reason: violation.reason, ...(violation.reason === 'too_deep' ? { maxDepth: ENVELOPE_LIMITS.maxJsonDepth } : {}) });
  }
  return value;
}

function refuseNonJsonBody(request: FastifyRequest): void {
  if (!BODY_METHODS.has(request.method)) return;
  const contentType = request.headers['content-type'];
  if (contentType === undefined) return;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== JSON_MEDIA_TYPE) {
    throw new ApiError('unsupported_media_type', `request bodies must be application/json, not ${JSON.stringify(contentType.slice(0, 100))}`, { contentType: contentType.slice(0, 100) });
  }
}

function refuseUnstorableParameters(request: FastifyRequest): void {
  for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, unknown>)) {
    const problem = typeof value === 'string' ? describeUnstorableText(value) : undefined;
    if (problem) throw new ApiError('invalid_request', `path segment ${name} ${problem}`, { field: name });
  }
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    const keyProblem = describeUnstorableText(name);
    if (keyProblem) throw new ApiError('invalid_query', `a query parameter name ${keyProblem}`, { parameter: JSON.stringify(name) });
    for (const item of Array.isArray(value) ? value : [value]) {
      const problem = typeof item === 'string' ? describeUnstorableText(item) : undefined;
      if (problem) throw new ApiError('invalid_query', `query parameter ${name} ${problem}`, { parameter: name });
    }
  }
}
