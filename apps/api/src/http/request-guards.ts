import { describeUnstorableText, ENVELOPE_LIMITS, findJsonViolation, findVanishingNumber } from '@countersign/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

/** The only body the API reads; anything else is 415 before it is read (docs/api.md "Requests"). */
const JSON_MEDIA_TYPE = 'application/json';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Everything the API checks of a request before Nest sees it, in one place: JSON is the only
 * content type (a browser form post can never act), a body is parsed once and inspected for what
 * no store can hold (deep nesting, NUL, lone surrogates, non-finite numbers, numbers that would read
 * as 0) or what is refused on
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
  const violation = findJsonViolation(value, ENVELOPE_LIMITS.maxJsonDepth) ?? findVanishingNumber(text);
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
    // No route has such a parameter, but a plain object "knows" these names, so validation would let them pass.
    if (isObjectMemberName(name)) throw new ApiError('invalid_query', `unknown query parameter ${name}`, { parameter: name });
    const keyProblem = describeUnstorableText(name);
    if (keyProblem) throw new ApiError('invalid_query', `a query parameter name ${keyProblem}`, { parameter: JSON.stringify(name) });
    for (const item of Array.isArray(value) ? value : [value]) {
      const problem = typeof item === 'string' ? describeUnstorableText(item) : undefined;
      if (problem) throw new ApiError('invalid_query', `query parameter ${name} ${problem}`, { parameter: name });
    }
  }
}

/** Names every plain object answers to (`toString`, `constructor`, `__proto__` …), and `prototype`. */
export function isObjectMemberName(name: string): boolean {
  return name === 'prototype' || name in Object.prototype;
}

/**
 * Router and HTTP-parser refusals, which reach no hook or filter, in the API's error shape: a
 * path that is not valid percent-encoding, a path segment over the router's limit, request
 * headers (the URL among them) over Node's limit.
 */
export const frameworkErrorOptions = {
  routerOptions: { maxParamLength: 1000 },
  frameworkErrors(error: { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
    const answer =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError('uri_too_long', 'a path segment is longer than 1000 characters')
        : new ApiError('invalid_request', 'the path is not a valid URL (malformed percent-encoding)');
    void reply.code(answer.status).type('application/json').send(JSON.stringify(answer.toBody()));
  },
  clientErrorHandler(error: { code?: string }, socket: { destroyed: boolean; writable: boolean; write(data: string): void; destroy(error?: unknown): void }): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answer =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError('headers_too_large', 'the request line and headers exceed the HTTP limit (16 KiB); send filters in fewer or shorter parameters')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new ApiError('request_timeout', 'the request was not received in time')
          : new ApiError('invalid_request', 'the request is not valid HTTP');
    const body = JSON.stringify(answer.toBody());
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status] ?? 'Error'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy(error);
  },
};

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };
