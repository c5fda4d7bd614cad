import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/schema.js';
import { itemsOf, pagesOf, type ItemOf, type PageOf, type PageParameters, type PagedPath } from './pages.js';
import { bearerAuth, readYourWrites, WritePosition } from './read-your-writes.js';
import { waitForStatus, type MutationStatus, type MutationView, type WaitOptions } from './wait-for.js';

export interface CountersignClientOptions {
  /** Where the API listens (default http://127.0.0.1:3000). */
  baseUrl?: string;
  /** A principal's token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Send the last write's position as `minPosition` on reads (default true). */
  readYourWrites?: boolean;
  /** Headers for every request (e.g. `X-Correlation-Id`). */
  headers?: Record<string, string>;
  /** The fetch to use (default the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * The typed API client: `GET`, `POST`, … of openapi-fetch over the generated `paths`, plus the
 * helpers every caller of Countersign needs.
 */
export interface CountersignClient extends Client<paths> {
  /** The highest log position written through this client (0 before any write). */
  readonly position: number;
  /** Take a position written elsewhere into account for read-your-writes. */
  remember(position: number): void;
  /** Reads the mutation until its status is one of `statuses` (see `waitForStatus`). */
  waitFor(mutationId: string, statuses: MutationStatus | readonly MutationStatus[], options?: WaitOptions): Promise<MutationView>;
  /** Every page of a `{ items, nextCursor }` route, following the cursors. */
  pages<Path extends PagedPath>(path: Path, parameters?: PageParameters<Path>): AsyncGenerator<PageOf<Path>>;
  /** Every item of a `{ items, nextCursor }` route, page after page. */
  items<Path extends PagedPath>(path: Path, parameters?: PageParameters<Path>): AsyncGenerator<ItemOf<Path>>;
  /** A client for another principal on the same server, sharing this one's read-your-writes position. */
  withToken(token: string): CountersignClient;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';

/** A client of the Countersign API. */
export function createCountersignClient(options: CountersignClientOptions = {}): CountersignClient {
  return build(options, new WritePosition());
}

function build(options: CountersignClientOptions, written: WritePosition): CountersignClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  if (options.token !== undefined) client.use(bearerAuth(options.token));
  if (options.readYourWrites !== false) client.use(readYourWrites(written));
  return {
    ...client,
    get position() {
      return written.position;
    },
    remember: (position) => written.remember(position),
    waitFor: (mutationId, statuses, waitOptions) => waitForStatus(client, mutationId, statuses, waitOptions),
    pages: (path, parameters) => pagesOf(client, path, parameters),
    items: (path, parameters) => itemsOf(client, path, parameters),
    withToken: (token) => build({ ...options, token }, written),
  };
}
