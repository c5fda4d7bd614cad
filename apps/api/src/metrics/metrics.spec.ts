import { describe, expect, it } from '@jest/globals';
import { METRIC_FAMILIES, Metrics } from './metrics.js';

describe('Metrics', () => {
  it('renders every declared family with HELP and TYPE, and its counters at 0, before anything is counted', () => {
    const text = new Metrics().render();
    for (const [name, family] of Object.entries(METRIC_FAMILIES)) expect(text).toContain(`# TYPE ${name} ${family.kind}\n`);
    expect(text).toContain('countersign_mutations_submitted_total{outcome="over_capacity"} 0\n');
    expect(text).toContain('countersign_idempotent_requests_total{result="released"} 0\n');
    expect(text).toContain('countersign_lane_append_retries_total 0\n');
    expect(text).not.toContain('countersign_http_requests_total{');
  });

  it('counts on the series it started at 0, and adds series for label values met later', () => {
    const metrics = new Metrics();
    metrics.increment('countersign_mutations_submitted_total', { outcome: 'applied' });
    metrics.increment('countersign_mutations_submitted_total', { outcome: 'invalid_payload' }, 2);
    const text = metrics.render();
    expect(text.match(/countersign_mutations_submitted_total\{outcome="applied"\} \d+/g)).toEqual(['countersign_mutations_submitted_total{outcome="applied"} 1']);
    expect(text).toContain('countersign_mutations_submitted_total{outcome="invalid_payload"} 2\n');
  });

  it('escapes label values and orders labels by name', () => {
    const metrics = new Metrics();
    metrics.increment('countersign_http_requests_total', { status: '200', route: '/a"b\\c', method: 'GET' });
    expect(metrics.render()).toContain('countersign_http_requests_total{method="GET",route="/a\\"b\\\\c",status="200"} 1\n');
  });

  it('refuses a family that is not declared, or used as the other kind', () => {
    const metrics = new Metrics();
    expect(() => metrics.increment('countersign_made_up_total')).toThrow('countersign_made_up_total is not a declared counter');
    expect(() => metrics.set('countersign_lane_append_retries_total', {}, 3)).toThrow('is not a declared gauge');
  });
});
