import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@countersign/runtime';
import { parse } from 'yaml';

/**
 * Checks docker/docker-compose.yml and docker/Dockerfile by shape, without a Docker engine: what
 * `docker compose config` would refuse, and what our deployment needs (pinned images, health
 * checks, volumes, one api and one worker on EventStoreDB and PostgreSQL).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dockerDir = path.join(root, 'docker');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  command?: string[];
  ports?: string[];
}

interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(path.join(dockerDir, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const dockerfile = readFileSync(path.join(dockerDir, 'Dockerfile'), 'utf8');
const SERVICE_KEYS = new Set(['image', 'build', 'environment', 'depends_on', 'volumes', 'healthcheck', 'command', 'ports', 'restart']);
const DURATION = /^\d+(ms|s|m|h)$/;

function urlOf(value: string | undefined): URL {
  expect(value).toBeDefined();
  return new URL(value!);
}

describe('docker/docker-compose.yml', () => {
  it('starts EventStoreDB, PostgreSQL, the api and the worker, with only keys Compose knows', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'eventstoredb', 'postgres', 'worker']);
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, Object.keys(service).filter((key) => !SERVICE_KEYS.has(key))]).toEqual([name, []]);
      expect([name, Boolean(service.image || service.build)]).toEqual([name, true]);
    }
  });

  it('pins every image it pulls by an exact version tag', () => {
    const pulled = Object.entries(compose.services).filter(([, service]) => !service.build);
    expect(pulled.map(([name]) => name).sort()).toEqual(['eventstoredb', 'postgres']);
    for (const [name, service] of pulled) {
      const tag = service.image?.split(':')[1] ?? '';
      expect([name, tag]).toEqual([name, expect.stringMatching(/^\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/)]);
    }
    expect(compose.services.eventstoredb.image).toMatch(/^eventstore\/eventstore:\d+\.\d+\.\d+-/);
  });

  it('builds the api and the worker from the Dockerfile, each from its own target', () => {
    for (const name of ['api', 'worker']) {
      const build = compose.services[name].build;
      expect(build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', target: name });
      expect(existsSync(path.resolve(dockerDir, build!.context, build!.dockerfile))).toBe(true);
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
    }
  });

  it('gives every service a health check with sane timings', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const check = service.healthcheck;
      expect([name, check?.test?.[0]]).toEqual([name, expect.stringMatching(/^CMD(-SHELL)?$/)]);
      expect(check!.test.length).toBeGreaterThan(1);
      for (const timing of [check!.interval, check!.timeout]) expect([name, timing]).toEqual([name, expect.stringMatching(DURATION)]);
      expect(check!.retries).toBeGreaterThan(0);
    }
    expect(compose.services.eventstoredb.healthcheck!.test.join(' ')).toContain('/health/live');
  });

  it('waits for healthy dependencies, and only on services that have a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect([name, dependency, Boolean(compose.services[dependency]?.healthcheck)]).toEqual([name, dependency, true]);
        expect(condition).toBe('service_healthy');
      }
    }
    expect(Object.keys(compose.services.api.depends_on ?? {}).sort()).toEqual(['eventstoredb', 'postgres']);
  });

  it('keeps the data of EventStoreDB and PostgreSQL in declared named volumes', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const named = (service: Service) =>
      (service.volumes ?? []).map((mount) => mount.split(':')[0]).filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    for (const service of Object.values(compose.services)) for (const volume of named(service)) expect(declared).toContain(volume);
    expect(compose.services.eventstoredb.volumes).toContain('esdb-data:/var/lib/eventstore');
    expect(named(compose.services.postgres)).toHaveLength(1);
  });

  it('points the api and the worker at the eventstoredb and postgres services, with a configuration Countersign accepts', () => {
    const nodePort = compose.services.eventstoredb.environment?.EVENTSTORE_NODE_PORT ?? '2113';
    for (const name of ['api', 'worker']) {
      const environment = compose.services[name].environment ?? {};
      const eventStore = urlOf(environment.EVENTSTORE_CONNECTION_STRING);
      expect([name, eventStore.protocol, eventStore.hostname, eventStore.port]).toEqual([name, 'esdb:', 'eventstoredb', nodePort]);
      // The compose EventStoreDB runs insecure (no TLS): the client must not try TLS.
      expect(eventStore.searchParams.get('tls')).toBe('false');
      expect(urlOf(environment.DATABASE_URL).hostname).toBe('postgres');
      const config = loadConfig({ ...environment, COUNTERSIGN_PRINCIPALS: '[]' });
      expect(config.eventStoreConnectionString).toBe(environment.EVENTSTORE_CONNECTION_STRING);
    }
    expect(compose.services.eventstoredb.environment?.EVENTSTORE_INSECURE).toBe('true');
    expect(compose.services.api.environment?.COUNTERSIGN_RUN_WORKER).toBe('false');
  });
});

describe('docker/Dockerfile', () => {
  it('builds with npm install (npm ci fails with lockfiles made against registries without other platforms)', () => {
    expect(dockerfile).toMatch(/RUN npm install --no-audit --no-fund && npm run build/);
    expect(dockerfile).not.toMatch(/npm ci\b/);
  });

  it('runs the api and the worker from their built entry points, not as root', () => {
    expect(dockerfile).toMatch(/FROM runtime AS api[\s\S]*CMD \["node", "apps\/api\/dist\/main\.js"\]/);
    expect(dockerfile).toMatch(/FROM runtime AS worker[\s\S]*CMD \["node", "apps\/worker\/dist\/main\.js"\]/);
    expect(dockerfile).toMatch(/^USER node$/m);
    // With demo principals the API binds loopback unless HOST says otherwise; a container must be reachable.
    expect(dockerfile).toMatch(/FROM runtime AS api[\s\S]*ENV HOST=0\.0\.0\.0[\s\S]*FROM runtime AS worker/);
    expect(readFileSync(path.join(root, '.dockerignore'), 'utf8')).toMatch(/^node_modules$/m);
  });
});
