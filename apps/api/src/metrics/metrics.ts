import { Injectable } from '@nestjs/common';

type Labels = Record<string, string>;

interface MetricFamily {
  kind: 'counter' | 'gauge';
  help: string;
  /**
   * Counters: the label sets published at 0 from the start, so rates and alerts see a series
   * before its first increment (other label values appear with their first increment).
   * Unlabelled counters start at 0 without listing anything.
   */
  initial?: readonly Labels[];
}

const RECORDED_OUTCOMES = ['applied', 'pending', 'denied', 'failed', 'dry_run'];

/** Every series family /metrics publishes (docs/operations.md#metrics lists the same). */
export const METRIC_FAMILIES: Readonly<Record<string, MetricFamily>> = {
  countersign_mutations_submitted_total: {
    kind: 'counter',
    help: 'Submits by outcome (applied, pending, denied, failed, dry_run, or the error code of a refusal, over_capacity included).',
    initial: [...RECORDED_OUTCOMES, 'version_conflict', 'over_capacity'].map((outcome) => ({ outcome })),
  },
  countersign_reverts_total: {
    kind: 'counter',
    help: 'Reverts (POST /v1/mutations/:id/revert) by outcome (applied, pending, denied, failed, dry_run, chain_<batch status> or the error code).',
    initial: [...RECORDED_OUTCOMES, 'revert_conflict'].map((outcome) => ({ outcome })),
  },
  countersign_idempotent_requests_total: {
    kind: 'counter',
    help: 'Requests with an idempotency key by result (executed, replayed, conflict, in_progress, recovered, released).',
    initial: ['executed', 'replayed', 'conflict', 'in_progress', 'recovered', 'released'].map((result) => ({ result })),
  },
  countersign_lane_append_retries_total: { kind: 'counter', help: 'Appends retried because another writer moved the lane first.' },
  countersign_http_requests_total: { kind: 'counter', help: 'HTTP requests by method, route and status (each series from its first request).', initial: [] },
  countersign_log_head_position: { kind: 'gauge', help: 'Highest committed position in the event log.' },
  countersign_projection_position: { kind: 'gauge', help: 'Last position applied by each projection.' },
  countersign_projection_lag_events: { kind: 'gauge', help: 'Events between the log head and each projection.' },
  countersign_parked_events: { kind: 'gauge', help: 'Poison events parked by each projection (GET /v1/projections/parked).' },
  countersign_executions_running: { kind: 'gauge', help: 'Mutation executions holding a slot of COUNTERSIGN_MAX_CONCURRENT_MUTATIONS in this process.' },
  countersign_executions_queued: { kind: 'gauge', help: 'Requests waiting for an execution slot in this process.' },
  countersign_executions_limit: { kind: 'gauge', help: 'COUNTERSIGN_MAX_CONCURRENT_MUTATIONS of this process.' },
};

/** A small Prometheus-text registry of the families above: counters and gauges with labels. */
@Injectable()
export class Metrics {
  private readonly series = new Map<string, Map<string, number>>();

  constructor() {
    for (const [name, family] of Object.entries(METRIC_FAMILIES)) {
      const series = new Map<string, number>();
      this.series.set(name, series);
      if (family.kind === 'counter') for (const labels of family.initial ?? [{}]) series.set(formatLabels(labels), 0);
    }
  }

  increment(name: string, labels: Labels = {}, by = 1): void {
    const series = this.family(name, 'counter');
    const key = formatLabels(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  set(name: string, labels: Labels, value: number): void {
    this.family(name, 'gauge').set(formatLabels(labels), value);
  }

  render(): string {
    const lines: string[] = [];
    for (const kind of ['counter', 'gauge'] as const) {
      const names = Object.keys(METRIC_FAMILIES)
        .filter((name) => METRIC_FAMILIES[name].kind === kind)
        .sort((a, b) => a.localeCompare(b));
      for (const name of names) {
        lines.push(`# HELP ${name} ${METRIC_FAMILIES[name].help}`, `# TYPE ${name} ${kind}`);
        for (const [labels, value] of this.series.get(name) ?? []) lines.push(`${name}${labels} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  private family(name: string, kind: MetricFamily['kind']): Map<string, number> {
    const series = this.series.get(name);
    if (!series || METRIC_FAMILIES[name].kind !== kind) throw new Error(`${name} is not a declared ${kind} (METRIC_FAMILIES in metrics.ts)`);
    return series;
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
