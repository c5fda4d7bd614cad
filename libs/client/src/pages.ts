import type { Client } from 'openapi-fetch';
import { unwrap } from './api-error.js';
import type { paths } from './generated/schema.js';

type JsonAnswer<Operation> = Operation extends { responses: { 200: { content: { 'application/json': infer Body } } } } ? Body : never;
type GetOf<Path extends keyof paths> = paths[Path] extends { get: infer Operation } ? Operation : never;

/** The GET routes answering `{ items, nextCursor }`. */
export type PagedPath = {
  [Path in keyof paths]: JsonAnswer<GetOf<Path>> extends { items: unknown[]; nextCursor: string | null } ? Path : never;
}[keyof paths];

type Page = { items: unknown[]; nextCursor: string | null };

export type PageOf<Path extends PagedPath> = JsonAnswer<GetOf<Path>> & Page;
export type ItemOf<Path extends PagedPath> = JsonAnswer<GetOf<Path>> extends { items: (infer Item)[] } ? Item : never;

type ParametersOf<Path extends PagedPath> = GetOf<Path> extends { parameters: infer Parameters } ? Parameters : never;

/** The parameters of a paged route: its path parameters and filters (`cursor` is where to start; the rest follows `nextCursor`). */
export type PageParameters<Path extends PagedPath> = {
  path?: ParametersOf<Path> extends { path?: infer Params } ? Params : never;
  query?: ParametersOf<Path> extends { query?: infer Query } ? Query : never;
};

/** Every page of a paged route, following `nextCursor` until the last page. */
export async function* pagesOf<Path extends PagedPath>(client: Client<paths>, path: Path, parameters: PageParameters<Path> = {}): AsyncGenerator<PageOf<Path>> {
  const get = client.GET as unknown as (path: string, init: { params: object }) => Promise<{ data?: PageOf<Path>; error?: unknown; response: Response }>;
  let cursor = (parameters.query as { cursor?: string } | undefined)?.cursor;
  do {
    const query = { ...(parameters.query as object | undefined), ...(cursor ? { cursor } : {}) };
    const page = unwrap(await get(path, { params: { ...parameters, query } }));
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Every item of a paged route, page after page. */
export async function* itemsOf<Path extends PagedPath>(client: Client<paths>, path: Path, parameters: PageParameters<Path> = {}): AsyncGenerator<ItemOf<Path>> {
  for await (const page of pagesOf(client, path, parameters)) yield* page.items as ItemOf<Path>[];
}
