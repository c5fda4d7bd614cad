import { Injectable } from '@nestjs/common';

type Labels = Record<string, string>;

/** A small Prometheus-text registry: counters and gauges with labels. */
@Injectable()
export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly gauges = new Map<string, Map<string, number>>();
  private readonly help = new Map<string, string>([
    ['countersign_mutations_submitted_total', 'Submits by outcome (applied, pending, denied, dry_run or the error code).'],
    ['countersign_lane_append_retries_total', 'Appends retried because another writer moved the lane first.'],
    ['countersign_http_requests_total', 'HTTP requests by method, route and status.'],
    ['countersign_log_head_position', 'Highest committed position in the event log.'],
    ['countersign_projection_position', 'Last position applied by each projection.'],
    ['countersign_projection_lag_events', 'Events between the log head and each projection.'],
    ['countersign_parked_events', 'Poison events parked by each projection (GET /v1/projections/parked).'],
    ['countersign_executions_running', 'Mutation executions holding a slot of COUNTERSIGN_MAX_CONCURRENT_MUTATIONS in this process.'],
    ['countersign_executions_queued', 'Requests waiting for an execution slot in this process.'],
    ['countersign_executions_limit', 'COUNTERSIGN_MAX_CONCURRENT_MUTATIONS of this process.'],
    ['countersign_reverts_total', 'Reverts (POST /v1/mutations/:id/revert) by outcome (applied, pending, denied, dry_run or the error code).'],
    ['countersign_idempotent_requests_total', 'Requests with an idempotency key by result (executed, replayed, conflict, in_progress, recovered, released).'],
  ]);

  increment(name: string, labels: Labels = {}, by = 1): void {
    const series = this.counters.get(name) ?? new Map<string, number>();
    this.counters.set(name, series);
    const key = formatLabels(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  set(name: string, labels: Labels, value: number): void {
    const series = this.gauges.get(name) ?? new Map<string, number>();
    this.gauges.set(name, series);
    series.set(formatLabels(labels), value);
  }

  render(): string {
    const lines: string[] = [];
    for (const [kind, families] of [['counter', this.counters], ['gauge', this.gauges]] as const) {
      for (const [name, series] of [...families.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`# HELP ${name} ${this.help.get(name) ?? name}`, `# TYPE ${name} ${kind}`);
        for (const [labels, value] of series) lines.push(`${name}${labels} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
