import type { Middleware } from 'openapi-fetch';
import { READ_YOUR_WRITES_ROUTES } from './generated/read-routes.js';

const READ_ROUTES = new Set(READ_YOUR_WRITES_ROUTES);

/** The highest log position this client (and the clients made from it with `withToken`) wrote. */
export class WritePosition {
  private latest = 0;

  get position(): number {
    return this.latest;
  }

  remember(position: number): void {
    if (Number.isSafeInteger(position) && position > this.latest) this.latest = position;
  }
}

/**
 * Read your own writes: every write answer's `position` is remembered, and a read of a route that
 * takes `minPosition` sends the latest one unless the call gives its own; the API then answers
 * once its read models reached that write (or 503 projection_lag).
 */
export function readYourWrites(written: WritePosition): Middleware {
  return {
    onRequest({ request, schemaPath }) {
      if (request.method !== 'GET' || written.position === 0 || !READ_ROUTES.has(schemaPath)) return undefined;
      const url = new URL(request.url);
      if (url.searchParams.has('minPosition')) return undefined;
      url.searchParams.set('minPosition', String(written.position));
      return new Request(url, request);
    },
    async onResponse({ request, response }) {
      if (request.method === 'GET' || !response.headers.get('content-type')?.startsWith('application/json')) return undefined;
      // Recorded denials (guard_denied, policy_denied, dependency_failed) are writes too, and carry a position.
      const body: unknown = await response
        .clone()
        .json()
        .catch(() => undefined);
      const position = (body as { position?: unknown } | undefined)?.position;
      if (typeof position === 'number') written.remember(position);
      return undefined;
    },
  };
}

/** Sends `Authorization: Bearer <token>` with every request. */
export function bearerAuth(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  };
}
