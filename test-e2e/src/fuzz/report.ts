import { caseSize, describeCase } from './fuzz-case.js';
import type { FuzzFailure, FuzzRun } from './fuzzer.js';
import type { FailureKind } from './oracle.js';

export interface FailureGroup {
  kind: FailureKind;
  route: string;
  status: number;
  error?: string;
  count: number;
  /** Distinct faults that landed here, the first few. */
  faults: string[];
  /** The group's smallest request: the repro to start from. */
  smallest: FuzzFailure;
}

const KIND_ORDER: FailureKind[] = ['no_answer', 'server_error', 'wrote', 'accepted', 'error_shape', 'unexpected_status', 'valid_json_called_malformed', 'field_not_named', 'inconsistent_null'];

/** Failures grouped by (kind, route, status, error code), most severe kind first. */
export function groupFailures(failures: FuzzFailure[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup & { allFaults: Set<string> }>();
  for (const failure of failures) {
    const key = [failure.verdict.kind, failure.fuzzCase.route, failure.status, failure.error ?? '', causeOf(failure)].join('|');
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { kind: failure.verdict.kind, route: failure.fuzzCase.route, status: failure.status, ...(failure.error ? { error: failure.error } : {}), count: 1, faults: [], smallest: failure, allFaults: new Set([failure.fuzzCase.fault]) });
      continue;
    }
    group.count += 1;
    group.allFaults.add(failure.fuzzCase.fault);
    if (caseSize(failure.fuzzCase) < caseSize(group.smallest.fuzzCase)) group.smallest = failure;
  }
  return [...groups.values()]
    .map(({ allFaults, ...group }) => ({ ...group, faults: [...allFaults].slice(0, 6) }))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.route.localeCompare(b.route) || a.status - b.status);
}

/** The server's logged cause of a 5xx, with quoted values and numbers taken out, so one bug is one group. */
function causeOf(failure: FuzzFailure): string {
  const logged = /server log: (.*)$/.exec(failure.verdict.detail)?.[1];
  return logged === undefined ? '' : logged.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 120);
}

/** One line per group, for the test's assertion message. */
export function headlines(groups: FailureGroup[]): string[] {
  return groups.map((group) => `[${group.kind}] ${group.route} → ${group.status || 'no answer'} ${group.error ?? ''} ×${group.count}: ${group.faults[0]}`.replace(/\s+×/, ' ×'));
}

/** The whole report: the run's numbers, then every group with a minimal repro. */
export function formatReport(run: FuzzRun): string {
  const groups = groupFailures(run.failures);
  const lines = [
    `fuzz: seed ${run.seed}, ${run.sent} of ${run.requests} requests in ${(run.durationMs / 1000).toFixed(1)} s${run.stoppedAt !== undefined ? ` — STOPPED at request #${run.stoppedAt}: the server no longer answers` : ''}`,
    `  statuses: ${Object.entries(run.statuses).sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => `${status}×${count}`).join(' ')}`,
    `  routes: ${Object.keys(run.routes).length} covered`,
  ];
  if (groups.length === 0) {
    lines.push('  no failures');
    return `${lines.join('\n')}\n`;
  }
  const requests = new Set(run.failures.map((failure) => failure.index)).size;
  lines.push(`  FAILURES: ${requests} requests in ${groups.length} groups (replay: npm run fuzz -- --seed ${run.seed} --requests ${run.requests})`, '');
  for (const group of groups) {
    lines.push(`[${group.kind}] ${group.route} → ${group.status || 'no answer'}${group.error ? ` ${group.error}` : ''} — ${group.count} request${group.count === 1 ? '' : 's'}`);
    lines.push(`  faults: ${group.faults.join('; ')}`);
    lines.push(`  detail: ${group.smallest.verdict.detail}`);
    lines.push(`  repro (request #${group.smallest.index}):`);
    lines.push(...describeCase(group.smallest.fuzzCase).split('\n').map((line) => `    ${line}`));
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
