import { BATCH_MODES, BATCH_STATUSES, MUTATION_STATUSES, type BatchStepView, type BatchView } from '@countersign/domain';
import {
  anyJson,
  arrayOf,
  boolean,
  extendObject,
  integer,
  logPosition,
  nullable,
  objectOf,
  oneOfValues,
  pageOf,
  ref,
  string,
  timestamp,
  uuid,
  type Schema,
} from '../openapi/schema-builders.js';

const STEP_STATUSES = ['planned', 'skipped', ...MUTATION_STATUSES];

const batchStep = objectOf<BatchStepView>({
  index: integer({ minimum: 0 }),
  mutationId: uuid('the mutation the step records on its lane (fixed at admission)'),
  stateType: string(),
  stateId: string(),
  transition: string(),
  payload: anyJson('the payload'),
  expectedVersion: nullable(integer({ minimum: 0 })),
  compensates: nullable(uuid('a revert chain: the mutation this step undoes')),
  diff: arrayOf(ref('DiffEntry'), { description: 'as planned at admission' }),
  requirements: arrayOf(ref('Requirement')),
  status: oneOfValues(STEP_STATUSES, '`planned` (not run yet), `skipped` (the batch stopped before it), its mutation status, or `compensated`'),
  stateVersion: nullable(integer({ minimum: 1 })),
  failure: nullable(objectOf<{ code: string | null; reason: string | null }>({ code: nullable(string()), reason: nullable(string()) }, { description: 'why it did not apply' })),
  compensation: nullable(
    objectOf<{ mutationId: string; status: string; stateVersion: number | null }>(
      { mutationId: uuid(), status: oneOfValues(['planned', 'applied', 'failed']), stateVersion: nullable(integer({ minimum: 1 })) },
      { description: 'the mutation undoing it, once a compensation is planned' },
    ),
  ),
});

const batchView = objectOf<BatchView>({
  batchId: uuid(),
  mode: oneOfValues(BATCH_MODES),
  status: oneOfValues(BATCH_STATUSES),
  actor: nullable(ref('ActorRef')),
  reason: nullable(string()),
  revertOf: nullable(uuid('a revert chain: the mutation whose revert this batch is')),
  requestedAt: nullable(timestamp()),
  updatedAt: nullable(timestamp()),
  finishedAt: nullable(timestamp()),
  expiresAt: nullable(timestamp()),
  requirements: arrayOf(ref('Requirement')),
  approvals: arrayOf(ref('ApprovalRecord')),
  currentStep: nullable(ref('CurrentStep')),
  denial: nullable(
    objectOf<NonNullable<BatchView['denial']>>({
      step: integer({ minimum: 0 }),
      deniedBy: oneOfValues(['guard', 'policy']),
      code: string(),
      reason: string(),
      policy: nullable(string()),
      suggestions: arrayOf(ref('Suggestion')),
    }),
  ),
  failedStep: nullable(integer({ minimum: 0 })),
  compensationFailure: nullable(
    objectOf<NonNullable<BatchView['compensationFailure']>>(
      { step: integer({ minimum: 0 }), compensationId: uuid(), code: string(), reason: string(), failedAt: timestamp() },
      { description: 'a compensation that could not run: the batch waits for an operator' },
    ),
  ),
  alerts: integer({ minimum: 0, description: 'alerts raised (a compensation that could not run)' }),
  endedBy: nullable(objectOf<NonNullable<BatchView['endedBy']>>({ id: string(), reason: nullable(string()) }, { description: 'who rejected or cancelled it, and why' })),
  steps: arrayOf(ref('BatchStep')),
});

const batchRecord = extendObject(batchView, { position: logPosition('the log position of its latest event') }, 'a batch, its steps and what became of each');

export const BATCH_SCHEMAS: Record<string, Schema> = {
  BatchStep: batchStep,
  Batch: batchRecord,
  RevertChainAnswer: extendObject(batchRecord, { compensates: uuid('the reverted mutation') }, 'a revert with compensateLater: an atomic batch of compensations, latest first'),
  BatchCommandAnswer: {
    ...batchView,
    description: 'the batch after the command',
    properties: {
      ...batchView.properties,
      recorded: boolean('false when the command changed nothing'),
      note: string({ description: 'why nothing changed' }),
      position: nullable(logPosition()),
    },
    required: [...(batchView.required ?? []), 'recorded', 'position'],
  },
  BatchPage: pageOf(ref('Batch'), 'newest first'),
};
