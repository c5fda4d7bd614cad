import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { TestApi } from './support/test-api.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface DocumentedFamily {
  name: string;
  kind: string;
  /** The label values published from the start, e.g. `{outcome="applied"}`; [''] for an unlabelled series; [] when series appear with their first increment. */
  series: string[];
}

/** The table of docs/operations.md#metrics. */
function documentedFamilies(): DocumentedFamily[] {
  const operations = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
  const section = operations.slice(operations.indexOf('\n## Metrics\n'), operations.indexOf('\n## ', operations.indexOf('\n## Metrics\n') + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `countersign_'))
    .map((line) => {
      const [name, kind, labels] = line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim());
      const labelled = /^`(\w+)`: ((?:`[^`]+`(?:, )?)+)/.exec(labels);
      const series = labels === '—' ? [''] : labelled ? [...labelled[2].matchAll(/`([^`]+)`/g)].map((value) => `{${labelled[1]}="${value[1]}"}`) : [];
      return { name: name.replaceAll('`', ''), kind, series };
    });
}

/** Prometheus text: each family's type and its samples (labels text → value). */
function parseExposition(text: string) {
  const types = new Map<string, string>();
  const samples = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    const sample = /^([a-z_]+)(\{.*\})? (\S+)$/.exec(line);
    if (sample) {
      const series = samples.get(sample[1]) ?? new Map<string, number>();
      series.set(sample[2] ?? '', Number(sample[3]));
      samples.set(sample[1], series);
    }
  }
  return { types, samples };
}

describe('GET /metrics', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('publishes every series docs/operations.md lists on a fresh API, counters at 0, before anything happened', async () => {
    api = await TestApi.start();
    const scrape = await api.request<string>('GET', '/metrics');
    expect(scrape.status).toBe(200);
    const { types, samples } = parseExposition(scrape.body);
    const documented = documentedFamilies();
    expect(documented.length).toBeGreaterThanOrEqual(12);

    const missing: string[] = [];
    for (const family of documented) {
      if (types.get(family.name) !== family.kind) missing.push(`${family.name}: documented as a ${family.kind}, published as ${types.get(family.name) ?? 'nothing'}`);
      for (const labels of family.series) {
        const value = samples.get(family.name)?.get(labels);
        if (value === undefined) missing.push(`${family.name}${labels}: not published`);
        else if (family.kind === 'counter' && value !== 0) missing.push(`${family.name}${labels}: ${value}, not 0`);
      }
    }
    expect(missing).toEqual([]);
    expect([...types.keys()].sort()).toEqual(documented.map((family) => family.name).sort());
  });

  it('counts on the series it published at 0', async () => {
    api = await TestApi.start();
    await api.submit({ stateType: 'credit-limit', stateId: 'metrics-acme', transition: 'open', payload: { customerId: 'acme', currency: 'EUR' } });
    const { samples } = parseExposition((await api.request<string>('GET', '/metrics')).body);
    expect(samples.get('countersign_mutations_submitted_total')).toEqual(
      new Map([
        ['{outcome="applied"}', 1],
        ['{outcome="pending"}', 0],
        ['{outcome="denied"}', 0],
        ['{outcome="failed"}', 0],
        ['{outcome="dry_run"}', 0],
        ['{outcome="version_conflict"}', 0],
        ['{outcome="over_capacity"}', 0],
      ]),
    );
    expect(samples.get('countersign_http_requests_total')?.get('{method="POST",route="/v1/mutations",status="201"}')).toBe(1);
  });

  it('publishes every projection’s position, lag and parked count before any projection has run', async () => {
    api = await TestApi.start({ COUNTERSIGN_RUN_WORKER: 'false' });
    const { samples } = parseExposition((await api.request<string>('GET', '/metrics')).body);
    const projections = ['batches', 'mutations', 'side_effects', 'state_history', 'states', 'timers'];
    for (const name of ['countersign_projection_position', 'countersign_projection_lag_events', 'countersign_parked_events']) {
      expect(samples.get(name)).toEqual(new Map(projections.map((projection) => [`{projection="${projection}"}`, 0])));
    }
  });
});
