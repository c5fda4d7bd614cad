import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isDatabaseUnavailable, LaneBusyError, OverCapacityError } from '@countersign/runtime';
import { ApiError, type ErrorCode } from './api-error.js';

/** Fastify's own request errors (raised before a controller runs) and the codes we answer with. */
const FASTIFY_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
};

/**
 * Every error leaves as `{ error, message, details }`. A lost database connection is 503
 * `unavailable` with Retry-After; anything unexpected is logged and answered 500
 * `internal_error` without internals: no stack traces or SQL reach clients.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: (message: string) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toApiError(exception);
    if (error.status >= 500 && error.code === 'internal_error') {
      this.log(`internal error: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`);
    }
    if (error.code === 'unavailable') this.log(`answered 503, database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
    const headers = (error.extra.headers ?? {}) as Record<string, string>;
    const body = error.toBody();
    delete body.headers;
    void reply.status(error.status).headers(headers).send(body);
  }

  private toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    // Errors of the request guards (body parser, hooks) may arrive wrapped by Nest.
    const cause = (exception as { cause?: unknown })?.cause;
    if (cause instanceof ApiError) return cause;
    if (exception instanceof OverCapacityError) {
      return new ApiError('over_capacity', exception.message, { limit: exception.limit, queued: exception.queued, retryAfterSeconds: exception.retryAfterSeconds }, {
        headers: { 'retry-after': String(exception.retryAfterSeconds) },
      });
    }
    if (isDatabaseUnavailable(exception)) {
      // A lost PostgreSQL connection (failover, restart, pg_terminate_backend): the pool reconnects, so the client retries (with its Idempotency-Key).
      return new ApiError('unavailable', 'the database is unreachable for the moment; retry shortly', {}, { headers: { 'retry-after': '1' } });
    }
    if (exception instanceof LaneBusyError) {
      return new ApiError('lane_busy', exception.message, { stateType: exception.stateType, stateId: exception.stateId }, { headers: { 'retry-after': '1' } });
    }
    // Nest wraps Fastify's request errors in an HttpException whose cause is the original.
    const fastifyCode = (exception as { code?: unknown })?.code ?? (exception as { cause?: { code?: unknown } })?.cause?.code;
    if (typeof fastifyCode === 'string' && FASTIFY_ERRORS[fastifyCode]) {
      const code = FASTIFY_ERRORS[fastifyCode] as ErrorCode;
      return new ApiError(code, describeFastifyError(code, exception));
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return new ApiError('not_found', 'no such route');
      if (status === 405) return new ApiError('method_not_allowed', 'method not allowed on this route');
      if (status === 413) return new ApiError('payload_too_large', 'request body is too large');
      if (status === 415) return new ApiError('unsupported_media_type', 'send application/json');
      if (status === 400) return new ApiError('invalid_request', exception.message);
    }
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return new ApiError('invalid_request', exception instanceof Error ? exception.message : 'invalid request');
    }
    return new ApiError('internal_error', 'unexpected error; it has been logged');
  }
}

function describeFastifyError(code: ErrorCode, exception: unknown): string {
  switch (code) {
    case 'malformed_json':
      return 'request body is not valid JSON';
    case 'payload_too_large':
      return 'request body is larger than the configured limit (COUNTERSIGN_BODY_LIMIT_BYTES)';
    case 'unsupported_media_type':
      return 'request body must be application/json';
    default:
      return exception instanceof Error ? exception.message : 'invalid request';
  }
}
