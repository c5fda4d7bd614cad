import { renderDiff, inline, type DiffLine } from './diff.js';
import type { Style } from './style.js';
import { fields } from './table.js';

/*
 * How mutations, plans and their parts read for people. The shapes are those of the API's
 * answers, loosened to what is shown, so an answer with more fields still fits.
 */

export interface RequirementView {
  kind: string;
  steps?: { role: string; count: number }[];
  notBefore?: string;
  name?: string;
  role?: string;
  mutationIds?: string[];
  timeoutAt?: string;
  remaining?: number;
  step?: number;
}

export interface DecisionView {
  outcome: string;
  policies: { policy: string; outcome: string; reason?: string }[];
  code?: string;
  reason?: string;
  suggestions?: SuggestionView[];
}

export interface SuggestionView {
  message: string;
  transition?: string;
  payload?: unknown;
}

export interface ClassificationView {
  category: string;
  riskLevel: string;
  sideEffectSeverity: string;
  tags: string[];
  metadata: Record<string, unknown>;
  estimatedBlastRadius: number;
}

/** A plan as a dry run or a submit answers it. */
export interface PlanView {
  stateType: string;
  stateId: string;
  transition: string;
  decision: DecisionView;
  requirements: RequirementView[];
  diff: DiffLine[];
  planHash: string | null;
  classification: ClassificationView;
  stateVersion?: number | null;
}

export interface TimelineEntryView {
  type: string;
  at: string;
  position: number;
  data: Record<string, unknown>;
}

/** One requirement on one line. */
export function describeRequirement(requirement: RequirementView): string {
  switch (requirement.kind) {
    case 'approval':
      if (requirement.steps) return `approval: ${requirement.steps.map((step) => `${step.count} × ${step.role}`).join(', then ')}`;
      return `approval: ${requirement.remaining ?? 1} more × ${requirement.role ?? '?'} (step ${(requirement.step ?? 0) + 1})`;
    case 'schedule':
      return `schedule: not before ${requirement.notBefore ?? '?'}`;
    case 'external_check':
      return `external check ${requirement.name ?? '?'} (resolved by a ${requirement.role ?? '?'})`;
    case 'dependency':
      return `dependency: ${(requirement.mutationIds ?? []).join(', ')} applied (until ${requirement.timeoutAt ?? '?'})`;
    default:
      return `${requirement.kind}: ${inline(requirement)}`;
  }
}

export function outcomeColor(outcome: string, style: Style): string {
  if (outcome === 'allow' || outcome === 'applied' || outcome === 'pass') return style.green(outcome);
  if (outcome === 'deny' || outcome === 'denied' || outcome === 'rejected' || outcome === 'fail' || outcome === 'failed' || outcome === 'conflicted') return style.red(outcome);
  return style.yellow(outcome);
}

export function statusColor(status: string, style: Style): string {
  return status === 'applied' || status === 'compensated' ? style.green(status) : status === 'pending' ? style.yellow(status) : style.red(status);
}

/** The decision and each policy's outcome. */
export function renderDecision(decision: DecisionView, style: Style): string {
  const lines = [`${style.bold('Decision:')} ${outcomeColor(decision.outcome, style)}${decision.reason ? ` — ${decision.reason}` : ''}`];
  for (const policy of decision.policies) lines.push(`  ${outcomeColor(policy.outcome, style)}  ${policy.policy}${policy.reason ? ` — ${policy.reason}` : ''}`);
  return lines.join('\n');
}

export function renderRequirements(requirements: readonly RequirementView[], style: Style): string {
  if (requirements.length === 0) return `${style.bold('Requirements:')} none`;
  return [style.bold('Requirements:'), ...requirements.map((requirement) => `  ${describeRequirement(requirement)}`)].join('\n');
}

export function describeClassification(classification: ClassificationView): string {
  const parts = [classification.category, `risk ${classification.riskLevel}`, `side effects ${classification.sideEffectSeverity}`, `blast radius ${classification.estimatedBlastRadius}`];
  if (classification.tags.length > 0) parts.push(`tags ${classification.tags.join(', ')}`);
  const metadata = Object.entries(classification.metadata ?? {});
  if (metadata.length > 0) parts.push(`metadata ${metadata.map(([key, value]) => `${key}=${typeof value === 'string' ? value : inline(value)}`).join(', ')}`);
  return parts.join(', ');
}

export function renderSuggestions(suggestions: readonly SuggestionView[] | undefined): string[] {
  return (suggestions ?? []).map((suggestion) => `  suggestion: ${suggestion.message}${suggestion.transition ? ` (transition ${suggestion.transition}${suggestion.payload === undefined ? '' : `, payload ${inline(suggestion.payload)}`})` : ''}`);
}

/** The body of a plan: diff, decision, requirements, classification, hash. */
export function renderPlanBody(plan: PlanView, style: Style): string {
  return [
    style.bold('Changes:'),
    renderDiff(plan.diff, style),
    renderDecision(plan.decision, style),
    ...renderSuggestions(plan.decision.suggestions),
    renderRequirements(plan.requirements, style),
    `${style.bold('Classification:')} ${describeClassification(plan.classification)}`,
    `${style.bold('Plan hash:')} ${plan.planHash ?? style.dim('none yet: planned when its dependencies apply')}`,
  ].join('\n');
}

export function address(view: { stateType: string; stateId: string }): string {
  return `${view.stateType}/${view.stateId}`;
}

/** What one timeline event says, after its type. */
export function describeEvent(entry: TimelineEntryView): string {
  const data = entry.data;
  const actor = (value: unknown) => (value && typeof value === 'object' && 'id' in value ? String((value as { id: unknown }).id) : '?');
  switch (entry.type) {
    case 'MutationRequested':
      return `by ${actor(data.actor)}${data.reason ? `: ${String(data.reason)}` : ''}`;
    case 'MutationPending':
      return `waits for ${((data.requirements as RequirementView[] | undefined) ?? []).map(describeRequirement).join('; ') || 'nothing'}${data.expiresAt ? ` until ${String(data.expiresAt)}` : ''}`;
    case 'MutationPlanned':
      return `against version ${String(data.baseVersion)}`;
    case 'ApprovalGranted':
    case 'ApprovalRejected':
      return `${actor(data.approver)} (${String(data.role)}, step ${Number(data.step) + 1})${data.comment ? `: "${String(data.comment)}"` : ''}`;
    case 'ApprovalsDismissed':
      return String(data.reason ?? '');
    case 'CheckResolved':
      return `${String(data.name)} ${String(data.outcome)} by ${actor(data.resolvedBy)}`;
    case 'DependencyResolved':
      return `${String(data.dependencyId)} ${String(data.outcome)}`;
    case 'MutationApplied':
      return `version ${String(data.version)}`;
    case 'MutationFinished':
      return `${String(data.outcome)}${data.version === null || data.version === undefined ? '' : ` at version ${String(data.version)}`}`;
    case 'MutationDenied':
      return `${String(data.code)}: ${String(data.reason)}`;
    case 'MutationRejected':
      return `by ${actor(data.rejectedBy)}: ${String(data.reason)}`;
    case 'MutationCancelled':
      return `by ${actor(data.cancelledBy)}${data.reason ? `: ${String(data.reason)}` : ''}`;
    case 'MutationConflicted':
      return `expected version ${String(data.expectedVersion)}, state at ${String(data.currentVersion)}`;
    case 'MutationFailed':
      return `${String(data.code)}: ${String(data.reason)}`;
    case 'MutationCompensated':
      return `by ${String(data.compensatedBy)}`;
    default:
      return '';
  }
}

/** One line of a timeline: time (UTC), event type, what it says. */
export function renderTimelineEntry(entry: TimelineEntryView, style: Style): string {
  const time = entry.at.length >= 19 ? entry.at.slice(11, 19) : entry.at;
  const description = describeEvent(entry);
  return `${style.dim(time)}  ${entry.type.padEnd(20)}${description ? `  ${description}` : ''}`.trimEnd();
}

export interface MutationRecordView {
  mutationId: string;
  stateType: string;
  stateId: string;
  transition: string;
  status: string;
  actor: { id: string; kind: string };
  reason: string | null;
  requirements: RequirementView[] | null;
  diff: DiffLine[] | null;
  planHash: string | null;
  stateVersion: number | null;
  requestedAt: string;
  expiresAt: string | null;
  approvals: { approverId: string; role: string; step: number }[];
  denial?: { code: string; reason: string; suggestions: SuggestionView[] } | null;
  outcome?: Record<string, unknown> | null;
  compensates?: string | null;
  compensatedBy?: string | null;
  timeline?: TimelineEntryView[];
  category: string;
  riskLevel: string;
  sideEffectSeverity: string;
  tags: string[];
  metadata: Record<string, unknown>;
  estimatedBlastRadius: number;
}

/** A mutation's record: who, what, its status and why, the change, the approvals, and its timeline. */
export function renderMutation(record: MutationRecordView, style: Style): string {
  const entries: [string, string][] = [
    ['Mutation', record.mutationId],
    ['State', `${address(record)} ${record.transition}`],
    ['Status', `${statusColor(record.status, style)}${record.stateVersion === null ? '' : ` at version ${record.stateVersion}`}`],
    ['Requested', `by ${record.actor.id} (${record.actor.kind}) at ${record.requestedAt}${record.reason ? `: ${record.reason}` : ''}`],
    ['Classification', describeClassification(record)],
  ];
  if (record.status === 'pending' && record.expiresAt) entries.push(['Expires', record.expiresAt]);
  if (record.planHash) entries.push(['Plan hash', record.planHash]);
  if (record.denial) entries.push(['Denied', `${record.denial.code}: ${record.denial.reason}`]);
  if (record.outcome && record.status !== 'applied' && record.status !== 'pending') entries.push(['Outcome', inline(record.outcome)]);
  if (record.compensates) entries.push(['Compensates', record.compensates]);
  if (record.compensatedBy) entries.push(['Compensated by', record.compensatedBy]);
  const lines = [fields(entries)];
  if (record.denial) lines.push(...renderSuggestions(record.denial.suggestions));
  if (record.status === 'pending' && record.requirements) lines.push(renderRequirements(record.requirements, style));
  if (record.approvals.length > 0) lines.push(style.bold('Approvals:'), ...record.approvals.map((approval) => `  ${approval.approverId} (${approval.role}, step ${approval.step + 1})`));
  lines.push(style.bold('Changes:'), renderDiff(record.diff, style));
  if (record.timeline) lines.push(style.bold('Timeline:'), ...record.timeline.map((entry) => `  ${renderTimelineEntry(entry, style)}`));
  return lines.join('\n');
}
