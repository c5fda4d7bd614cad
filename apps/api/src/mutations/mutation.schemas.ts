import {
  ACTOR_KINDS,
  MUTATION_STATUSES,
  RISK_LEVELS,
  SIDE_EFFECT_SEVERITIES,
  type Actor,
  type ApprovalRecord,
  type ApprovalStep,
  type Classification,
  type DiffEntry,
  type PolicyOutcome,
  type Suggestion,
} from '@countersign/domain';
import type { MutationRecord, TimelineEntry } from '@countersign/read-models';
import {
  anyJson,
  arrayOf,
  boolean,
  constant,
  extendObject,
  integer,
  jsonObject,
  logPosition,
  nullable,
  nullValue,
  objectOf,
  oneOfValues,
  pageOf,
  ref,
  string,
  timestamp,
  uuid,
  type Schema,
} from '../openapi/schema-builders.js';
import type { PendingCommandAnswer } from './pending-command.handler.js';
import type { describeAdmission, describePlan } from './mutation-answer.js';

type PlanView = ReturnType<typeof describePlan>;
type DecisionView = PlanView['decision'];
/** A dependent admitted without a plan (docs/protocol.md §3): the same fields, nothing decided yet. */
type AdmissionView = ReturnType<typeof describeAdmission>;

const DECISION_OUTCOMES = ['allow', 'deny', 'require'] as const;
/** What the record's `evaluation` says: a decision, or `deferred` while a dependent waits unplanned. */
const EVALUATION_OUTCOMES = [...DECISION_OUTCOMES, 'deferred'] as const;

const approvalRequirement = objectOf<{ kind: 'approval'; steps: ApprovalStep[] }>(
  { kind: constant('approval'), steps: arrayOf(ref('ApprovalStep'), { description: 'in order; each needs `count` distinct principals holding `role`' }) },
  { description: 'approvals, step by step' },
);
const scheduleRequirement = objectOf<{ kind: 'schedule'; notBefore: string }>({ kind: constant('schedule'), notBefore: timestamp('applies no earlier than this') });
const checkRequirement = objectOf<{ kind: 'external_check'; name: string; role: string }>({
  kind: constant('external_check'),
  name: string({ description: 'resolved with POST /v1/mutations/{id}/checks/{name}' }),
  role: string({ description: 'the role of the principal that resolves it' }),
});
const dependencyRequirement = objectOf<{ kind: 'dependency'; mutationIds: string[]; timeoutAt: string }>({
  kind: constant('dependency'),
  mutationIds: arrayOf(uuid()),
  timeoutAt: timestamp('then the mutation fails with dependency_timeout'),
});

const submitAnswer = objectOf<Omit<PlanView, 'decision'> & { mutationId: string; status: string; decision: unknown; stateVersion: unknown; expiresAt: unknown; position: number }>(
  {
    mutationId: uuid(),
    status: oneOfValues(['applied', 'pending']),
    stateType: string(),
    stateId: string(),
    transition: string(),
    decision: ref('Decision'),
    requirements: arrayOf(ref('Requirement')),
    diff: arrayOf(ref('DiffEntry')),
    planHash: string({ description: 'stable: the same request against the same state version has the same hash' }),
    classification: ref('Classification'),
    stateVersion: nullable(integer({ minimum: 1, description: 'the state version it applied at; null while pending' })),
    expiresAt: nullable(timestamp('when a pending mutation expires; null when applied')),
    position: logPosition(),
  },
  { description: 'a recorded mutation: 201 applied, 202 pending' },
);

const dryRunAnswer = objectOf<Omit<PlanView, 'decision'> & { dryRun: true; decision: unknown; stateVersion: number; resultingState: unknown }>(
  {
    dryRun: constant(true),
    stateType: string(),
    stateId: string(),
    transition: string(),
    decision: ref('Decision'),
    requirements: arrayOf(ref('Requirement')),
    diff: arrayOf(ref('DiffEntry')),
    planHash: string({ description: 'stable: the same request against the same state version has the same hash' }),
    classification: ref('Classification'),
    stateVersion: integer({ minimum: 0, description: 'the version planned against' }),
    resultingState: anyJson('the state document the change would produce'),
  },
  { description: 'a dry run: the plan, nothing recorded' },
);

const unplannedDiff = arrayOf(ref('DiffEntry'), { maxItems: 0, description: 'empty: nothing is planned until the last dependency applies' });
const unplannedHash = nullValue('null: nothing is planned until the last dependency applies');

const deferredSubmitAnswer = objectOf<Omit<AdmissionView, 'decision'> & { mutationId: string; status: 'pending'; decision: unknown; stateVersion: null; expiresAt: unknown; position: number }>(
  {
    mutationId: uuid(),
    status: constant('pending'),
    stateType: string(),
    stateId: string(),
    transition: string(),
    decision: ref('DeferredDecision'),
    requirements: arrayOf(ref('Requirement'), { description: 'the dependency (after a schedule when notBefore is ahead)' }),
    diff: unplannedDiff,
    planHash: unplannedHash,
    classification: ref('Classification'),
    stateVersion: nullValue('null while pending'),
    expiresAt: timestamp('when it expires unless planned and applied before'),
    position: logPosition(),
  },
  {
    description:
      'a dependent recorded pending without a plan (202): guards, policies and expectedVersion are decided when its last dependency applies; its record then shows the plan and its ending (docs/protocol.md §3)',
  },
);

const deferredDryRunAnswer = objectOf<Omit<AdmissionView, 'decision'> & { dryRun: true; decision: unknown; stateVersion: number; resultingState: null }>(
  {
    dryRun: constant(true),
    stateType: string(),
    stateId: string(),
    transition: string(),
    decision: ref('DeferredDecision'),
    requirements: arrayOf(ref('Requirement')),
    diff: unplannedDiff,
    planHash: unplannedHash,
    classification: ref('Classification'),
    stateVersion: integer({ minimum: 0, description: 'the current version' }),
    resultingState: nullValue('null: nothing is planned until the last dependency applies'),
  },
  { description: 'a dry run with a dependency not applied yet: what admission would do, nothing recorded' },
);

const mutationRecord = objectOf<MutationRecord>({
  mutationId: uuid(),
  stateType: string(),
  stateId: string(),
  transition: string(),
  status: oneOfValues(MUTATION_STATUSES),
  actor: ref('Actor'),
  reason: nullable(string()),
  category: string(),
  riskLevel: oneOfValues(RISK_LEVELS),
  sideEffectSeverity: oneOfValues(SIDE_EFFECT_SEVERITIES),
  tags: arrayOf(string()),
  metadata: jsonObject('free-form'),
  estimatedBlastRadius: integer({ minimum: 0 }),
  payload: anyJson('the payload as submitted'),
  evaluation: objectOf<{ outcome: string; policies: PolicyOutcome[] }>(
    { outcome: oneOfValues(EVALUATION_OUTCOMES, 'deferred while a dependent waits unplanned for its dependencies'), policies: arrayOf(ref('PolicyOutcome')) },
    { description: 'the policies at admission, or when a dependent was planned' },
  ),
  requirements: nullable(arrayOf(ref('Requirement'))),
  denial: nullable(
    objectOf<{ deniedBy: string; code: string; reason: string; policy: string | null; suggestions: Suggestion[] }>({
      deniedBy: oneOfValues(['guard', 'policy']),
      code: oneOfValues(['guard_denied', 'policy_denied']),
      reason: string(),
      policy: nullable(string()),
      suggestions: arrayOf(ref('Suggestion')),
    }),
  ),
  diff: nullable(arrayOf(ref('DiffEntry'))),
  planHash: nullable(string({ description: 'null while a dependent waits unplanned for its dependencies' })),
  baseVersion: integer({ minimum: 0, description: 'the state version it was planned against (at admission while unplanned)' }),
  expectedVersion: nullable(integer({ minimum: 0 })),
  stateVersion: nullable(integer({ minimum: 1, description: 'the state version it applied at' })),
  idempotencyKey: nullable(string()),
  dependsOn: arrayOf(uuid()),
  notBefore: nullable(timestamp()),
  requestedAt: timestamp(),
  expiresAt: nullable(timestamp()),
  appliedAt: nullable(timestamp()),
  finishedAt: nullable(timestamp()),
  position: logPosition('the log position of its latest event'),
  approvals: arrayOf(ref('ApprovalRecord')),
  currentStep: nullable(ref('CurrentStep')),
  passedChecks: arrayOf(string()),
  scheduleReached: boolean(),
  outcome: nullable(jsonObject('why it ended: `{ reason, by?, … }`')),
  compensates: nullable(uuid('the mutation this one undoes')),
  compensatedBy: nullable(uuid('the mutation that undid this one')),
  batchId: nullable(uuid('the batch it is a step of')),
  batchStep: nullable(integer({ minimum: 0 })),
});

/** Shapes shared by the mutation routes (submit, revert, approvals, reads). */
export const MUTATION_SCHEMAS: Record<string, Schema> = {
  Actor: objectOf<Actor>({ id: string(), kind: oneOfValues(ACTOR_KINDS), roles: arrayOf(string()) }, { description: 'the authenticated principal' }),
  ActorRef: objectOf<{ id: string; kind: string }>({ id: string(), kind: oneOfValues(ACTOR_KINDS) }),
  DiffEntry: objectOf<DiffEntry>(
    {
      path: string({ description: 'dot-notation path in the state document' }),
      kind: oneOfValues(['added', 'removed', 'changed']),
      before: anyJson('the value before (absent when added)'),
      after: anyJson('the value after (absent when removed)'),
    },
    { optional: ['before', 'after'] },
  ),
  ApprovalStep: objectOf<ApprovalStep>({ role: string(), count: integer({ minimum: 1 }) }),
  Requirement: { oneOf: [approvalRequirement, scheduleRequirement, checkRequirement, dependencyRequirement], description: 'what a pending mutation waits for' },
  OpenRequirement: {
    description: 'what a pending mutation still waits for',
    oneOf: [
      objectOf<{ kind: 'approval'; step: number; role: string; remaining: number }>({
        kind: constant('approval'),
        step: integer({ minimum: 0, description: 'index of the current approval step' }),
        role: string(),
        remaining: integer({ minimum: 1, description: 'approvals still needed in this step' }),
      }),
      checkRequirement,
      scheduleRequirement,
      dependencyRequirement,
    ],
  },
  PolicyOutcome: objectOf<PolicyOutcome>({ policy: string(), outcome: oneOfValues(DECISION_OUTCOMES), reason: string() }, { optional: ['reason'] }),
  Suggestion: objectOf<Suggestion>(
    { message: string(), transition: string({ description: 'the transition to submit instead' }), payload: anyJson('its payload') },
    { description: 'a correction offered with a guard denial', optional: ['transition', 'payload'] },
  ),
  Decision: objectOf<DecisionView & { code?: string; reason?: string; suggestions?: Suggestion[] }>(
    {
      outcome: oneOfValues(DECISION_OUTCOMES),
      policies: arrayOf(ref('PolicyOutcome')),
      code: oneOfValues(['guard_denied', 'policy_denied'], 'a denial only'),
      reason: string({ description: 'a denial only' }),
      suggestions: arrayOf(ref('Suggestion'), { description: 'a denial only' }),
    },
    { description: 'the combined decision of every policy', optional: ['code', 'reason', 'suggestions'] },
  ),
  DeferredDecision: objectOf<AdmissionView['decision']>(
    { outcome: constant('deferred'), policies: arrayOf(ref('PolicyOutcome'), { maxItems: 0, description: 'none yet' }) },
    { description: 'nothing is decided until the last dependency applies (docs/protocol.md §3)' },
  ),
  Classification: objectOf<Classification>(
    {
      category: string(),
      riskLevel: oneOfValues(RISK_LEVELS),
      sideEffectSeverity: oneOfValues(SIDE_EFFECT_SEVERITIES),
      tags: arrayOf(string()),
      metadata: jsonObject('free-form'),
      estimatedBlastRadius: integer({ minimum: 0 }),
    },
    { description: "the contract's defaults, raised or extended by the request" },
  ),
  SubmitAnswer: submitAnswer,
  DeferredSubmitAnswer: deferredSubmitAnswer,
  RevertSubmitAnswer: extendObject(submitAnswer, { compensates: uuid('the reverted mutation') }),
  RecoveredAnswer: objectOf<{
    mutationId: string;
    status: string;
    stateType: string;
    stateId: string;
    transition: string;
    requirements: unknown;
    diff: unknown;
    planHash: string | null;
    stateVersion: unknown;
    expiresAt: unknown;
    position: number;
    recovered: true;
  }>(
    {
      mutationId: uuid(),
      status: oneOfValues(MUTATION_STATUSES),
      stateType: string(),
      stateId: string(),
      transition: string(),
      requirements: arrayOf(ref('Requirement')),
      diff: arrayOf(ref('DiffEntry')),
      planHash: nullable(string({ description: 'null for a dependent not planned yet' })),
      stateVersion: nullable(integer({ minimum: 1 })),
      expiresAt: nullable(timestamp()),
      position: logPosition(),
      recovered: constant(true),
    },
    { description: 'the answer to a retry with an idempotency key whose first attempt was interrupted after recording: the mutation as the log has it (docs/protocol.md §1)' },
  ),
  DryRunAnswer: dryRunAnswer,
  DeferredDryRunAnswer: deferredDryRunAnswer,
  RevertDryRunAnswer: extendObject(dryRunAnswer, { compensates: uuid('the reverted mutation') }),
  PendingCommandAnswer: objectOf<PendingCommandAnswer>(
    {
      mutationId: uuid(),
      status: oneOfValues(MUTATION_STATUSES, "the mutation's status after the command"),
      recorded: boolean('false when the command changed nothing (a repeated approval counts once)'),
      note: string({ description: 'why nothing changed' }),
      openRequirements: arrayOf(ref('OpenRequirement')),
      stateVersion: nullable(integer({ minimum: 1, description: 'when it applied' })),
      position: nullable(logPosition()),
    },
    { optional: ['note'] },
  ),
  ApprovalRecord: objectOf<ApprovalRecord>({ approverId: string(), step: integer({ minimum: 0 }), role: string(), approvedAt: timestamp() }),
  CurrentStep: objectOf<{ index: number; role: string }>({ index: integer({ minimum: 0 }), role: string() }, { description: 'the approval step it waits for' }),
  MutationRecord: mutationRecord,
  MutationView: extendObject(mutationRecord, { timeline: arrayOf(ref('TimelineEntry'), { description: 'every lifecycle event, in log order' }) }, 'a mutation record with its timeline'),
  TimelineEntry: objectOf<TimelineEntry>({
    type: string({ description: 'the lifecycle event: MutationRequested, MutationPending, ApprovalGranted, …, DependencyResolved, MutationPlanned (a dependent planned when its last dependency applied), …, MutationApplied, MutationFinished' }),
    at: timestamp(),
    position: logPosition('its position in the log'),
    data: jsonObject("the event's data"),
  }),
  MutationPage: pageOf(ref('MutationRecord'), 'newest first'),
};
