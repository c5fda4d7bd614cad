import { inline } from './diff.js';
import { describeRequirement, statusColor } from './mutation.js';
import type { Style } from './style.js';
import { table } from './table.js';

/** A batch as the API answers it, loosened to what is shown. */
export interface BatchView {
  batchId: string;
  mode: string;
  status: string;
  reason: string | null;
  requirements: Parameters<typeof describeRequirement>[0][];
  denial: { step: number; code: string; reason: string } | null;
  failedStep: number | null;
  compensationFailure: { step: number; code: string; reason: string } | null;
  steps: { index: number; mutationId: string; stateType: string; stateId: string; transition: string; status: string; stateVersion: number | null; failure: { code: string | null; reason: string | null } | null; compensation: { status: string } | null }[];
}

/** A batch: its status, what it waits for or why it ended, and each step. */
export function renderBatch(batch: BatchView, style: Style): string {
  const lines = [`Batch ${batch.batchId} (${batch.mode}): ${statusColor(batch.status, style)}${batch.reason ? ` — ${batch.reason}` : ''}`];
  if (batch.status === 'pending') for (const requirement of batch.requirements) lines.push(`  waits for ${describeRequirement(requirement)}`);
  if (batch.denial) lines.push(`  step ${batch.denial.step} denied: ${batch.denial.code}: ${batch.denial.reason}`);
  if (batch.compensationFailure) lines.push(style.red(`  compensation of step ${batch.compensationFailure.step} failed: ${batch.compensationFailure.code}: ${batch.compensationFailure.reason}`));
  lines.push(
    table(
      ['  step', 'change', 'status', 'version', 'note'],
      batch.steps.map((step) => [
        `  ${step.index}`,
        `${step.stateType}/${step.stateId} ${step.transition}`,
        statusColor(step.status, style),
        step.stateVersion === null ? '' : String(step.stateVersion),
        [step.failure?.code ? `${step.failure.code}: ${step.failure.reason ?? ''}` : '', step.compensation ? `compensation ${step.compensation.status}` : ''].filter(Boolean).join('; ') || (step.mutationId ? '' : inline(step)),
      ]),
    ),
  );
  return lines.join('\n');
}
