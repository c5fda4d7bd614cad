import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

const tables = new WeakMap<object, RegisteredRoute[]>();

/** Records every route registered on this Fastify instance from now on (call it before Nest registers its routes). */
export function recordRoutes(fastify: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  tables.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
}

/** The routes the HTTP server answers (Fastify's own HEAD twins of GET routes included). */
export function registeredRoutes(fastify: FastifyInstance): RegisteredRoute[] {
  return [...(tables.get(fastify) ?? [])];
}
