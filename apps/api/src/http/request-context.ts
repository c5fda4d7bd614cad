import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Correlation-Id when well-formed, a fresh one otherwise. */
export function correlationIdOf(request: FastifyRequest): string {
  const header = request.headers['x-correlation-id'];
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
}
