import type { ErrorExample } from '../http/api-error.schema.js';
import type { AnswerExample } from './api-answer.decorator.js';

/*
 * The examples of the document: the README's five-minute tour, as the API answered it. The
 * document test validates every example against its schema, so they cannot drift from the code.
 */

const FLAG_POLICIES_ALLOW = [
  { policy: 'agents-may-not-create-flags', outcome: 'allow' },
  { policy: 'prod-rollout-jump-needs-release-manager', outcome: 'allow' },
];
const FLAG_CLASSIFICATION = { category: 'feature-flag', riskLevel: 'low', sideEffectSeverity: 'low', tags: [], metadata: {}, estimatedBlastRadius: 1 };
const CREATED_ID = '41ee741e-2f71-4ef2-8bbc-c4d76f61d291';
const PENDING_ID = '1f72cc2b-2b42-4824-aa0f-f70d04e1d48d';
const RAISE_ID = 'b57bd10a-0dbd-45f9-a3ee-da11f42f2e59';

export const SUBMIT_EXAMPLES: Record<string, AnswerExample> = {
  create: {
    summary: 'Create a feature flag',
    value: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'create', payload: { owner: 'team-payments' }, reason: 'new checkout' },
  },
  guarded: { summary: 'A rollout on a disabled flag (a guard denies it)', value: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'setRollout', payload: { percentage: 30 } } },
  expectedVersion: { summary: 'With optimistic concurrency', value: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'enable', payload: {}, expectedVersion: 1 } },
  needsApproval: {
    summary: 'A prod rollout jump of more than 50 points (needs a release-manager)',
    value: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'setRollout', payload: { percentage: 80 }, tags: ['prod'] },
  },
  dryRun: { summary: 'Preview without recording', value: { stateType: 'credit-limit', stateId: 'acme', transition: 'raiseLimit', payload: { by: 250000 }, dryRun: true } },
  dependsOn: {
    summary: 'Wait for another mutation',
    value: { stateType: 'feature-flag', stateId: 'checkout-v2', transition: 'setRollout', payload: { percentage: 100 }, dependsOn: [RAISE_ID] },
  },
};

export const SUBMIT_APPLIED: AnswerExample = {
  summary: 'Created',
  value: {
    mutationId: CREATED_ID,
    status: 'applied',
    stateType: 'feature-flag',
    stateId: 'checkout-v2',
    transition: 'create',
    decision: { outcome: 'allow', policies: FLAG_POLICIES_ALLOW },
    requirements: [],
    diff: [
      { path: 'enabled', kind: 'added', after: false },
      { path: 'owner', kind: 'added', after: 'team-payments' },
      { path: 'rollout', kind: 'added', after: 0 },
      { path: 'rules', kind: 'added', after: [] },
    ],
    planHash: 'aeb5ae664966edc5fa3cb661b4e9fc306c2897f3472f9c83ea8a49fe8dde5e90',
    classification: FLAG_CLASSIFICATION,
    stateVersion: 1,
    expiresAt: null,
    position: 5,
  },
};

export const SUBMIT_PENDING: AnswerExample = {
  summary: 'Waiting for a release-manager',
  value: {
    mutationId: PENDING_ID,
    status: 'pending',
    stateType: 'feature-flag',
    stateId: 'checkout-v2',
    transition: 'setRollout',
    decision: {
      outcome: 'require',
      policies: [
        { policy: 'agents-may-not-create-flags', outcome: 'allow' },
        { policy: 'prod-rollout-jump-needs-release-manager', outcome: 'require', reason: 'rollout moves 80 points on a prod flag' },
      ],
    },
    requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
    diff: [{ path: 'rollout', kind: 'changed', before: 0, after: 80 }],
    planHash: '30ab6b2c725d5ac9007e38f53beb922bd0f00b99f0e3a959ef6496598e8e90d5',
    classification: { ...FLAG_CLASSIFICATION, riskLevel: 'medium', tags: ['prod'] },
    stateVersion: null,
    expiresAt: '2026-12-09T01:38:56.921Z',
    position: 17,
  },
};

export const SUBMIT_DRY_RUN: AnswerExample = {
  summary: 'A credit-limit raise that would need a risk-officer, then a cfo',
  value: {
    dryRun: true,
    stateType: 'credit-limit',
    stateId: 'acme',
    transition: 'raiseLimit',
    decision: { outcome: 'require', policies: [{ policy: 'credit-limit-increase-approval', outcome: 'require', reason: 'limit increase of 250000' }] },
    requirements: [{ kind: 'approval', steps: [{ role: 'risk-officer', count: 1 }, { role: 'cfo', count: 1 }] }],
    diff: [{ path: 'limit', kind: 'changed', before: 5000, after: 255000 }],
    planHash: 'f4595431e291802e354f80d549b241c78910de015ea607e8feb303676b80e35d',
    classification: { category: 'credit', riskLevel: 'critical', sideEffectSeverity: 'medium', tags: [], metadata: {}, estimatedBlastRadius: 1 },
    stateVersion: 1,
    resultingState: { customerId: 'acme', limit: 255000, currency: 'EUR' },
  },
};

export const SUBMIT_ERROR_EXAMPLES: Record<string, ErrorExample> = {
  guardDenied: {
    summary: 'A guard denied it (recorded, with a suggestion)',
    value: {
      error: 'guard_denied',
      message: 'a rollout above 0 on a disabled flag has no effect',
      details: { deniedBy: 'guard', policy: null },
      mutationId: '45294bf1-ebe5-4928-a3d8-528aae1d39b6',
      status: 'denied',
      suggestions: [{ message: 'enable the flag first, then set the rollout', transition: 'enable', payload: {} }],
      position: 9,
    },
  },
  policyDenied: {
    summary: 'A policy denied it (recorded)',
    value: {
      error: 'policy_denied',
      message: 'agents may not create feature flags',
      details: { deniedBy: 'policy', policy: 'agents-may-not-create-flags' },
      mutationId: 'acb9f767-b50c-41f4-bf31-8566288f4b91',
      status: 'denied',
      suggestions: [],
      position: 25,
    },
  },
  versionConflict: {
    summary: 'expectedVersion is stale (nothing recorded)',
    value: { error: 'version_conflict', message: 'expected version 1 but feature-flag/checkout-v2 is at version 2', details: { expectedVersion: 1, currentVersion: 2 } },
  },
  planChanged: {
    summary: 'expectedPlanHash is not the plan computed now (nothing recorded)',
    value: {
      error: 'plan_changed',
      message: 'the plan changed: expected plan aeb5ae664966edc5fa3cb661b4e9fc306c2897f3472f9c83ea8a49fe8dde5e90 but feature-flag/checkout-v2 at version 2 gives plan 30ab6b2c725d5ac9007e38f53beb922bd0f00b99f0e3a959ef6496598e8e90d5',
      details: { expectedPlanHash: 'aeb5ae664966edc5fa3cb661b4e9fc306c2897f3472f9c83ea8a49fe8dde5e90', planHash: '30ab6b2c725d5ac9007e38f53beb922bd0f00b99f0e3a959ef6496598e8e90d5' },
    },
  },
  idempotencyConflict: {
    summary: 'The key was used with another request',
    value: {
      error: 'idempotency_conflict',
      message: 'this Idempotency-Key was used with a different request',
      details: { idempotencyKey: 'rollout-90', mutationId: '653ba943-a11f-4ed3-9194-85206b3f3ce1' },
    },
  },
};

export const APPROVE_ANSWER: AnswerExample = {
  summary: 'The last approval applied it',
  value: { mutationId: PENDING_ID, status: 'applied', recorded: true, openRequirements: [], stateVersion: 3, position: 21 },
};

export const PENDING_APPROVALS: AnswerExample = {
  summary: "bob's queue",
  value: {
    items: [
      {
        mutationId: PENDING_ID,
        stateType: 'feature-flag',
        stateId: 'checkout-v2',
        transition: 'setRollout',
        requestedBy: { id: 'alice', kind: 'human' },
        reason: null,
        riskLevel: 'medium',
        category: 'feature-flag',
        tags: ['prod'],
        payload: { percentage: 80 },
        diff: [{ kind: 'changed', path: 'rollout', after: 80, before: 0 }],
        requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
        currentStep: { index: 0, role: 'release-manager' },
        approvals: [],
        requestedAt: '2026-12-08T01:38:56.921Z',
        expiresAt: '2026-12-09T01:38:56.921Z',
        timeLeftMs: 86399846,
      },
    ],
    nextCursor: null,
  },
};

export const STATE_ANSWER: AnswerExample = {
  summary: 'The flag after the tour',
  value: {
    state: { owner: 'team-payments', rules: [], enabled: true, rollout: 80 },
    version: 3,
    stateType: 'feature-flag',
    stateId: 'checkout-v2',
    lastMutationId: PENDING_ID,
    updatedAt: '2026-12-08T01:38:57.108Z',
    position: 20,
  },
};

export const REVERT_APPLIED: AnswerExample = {
  summary: 'The raise undone',
  value: {
    mutationId: 'f67f747d-4840-42c8-b75f-6d66c47ca463',
    status: 'applied',
    stateType: 'credit-limit',
    stateId: 'acme',
    transition: 'revert:raiseLimit',
    decision: { outcome: 'allow', policies: [{ policy: 'credit-limit-increase-approval', outcome: 'allow' }] },
    requirements: [],
    diff: [{ path: 'limit', kind: 'changed', before: 55000, after: 5000 }],
    planHash: '86255f611ea65fb0474e566331e18838ff8e58da139bd1ef42cd218f8e504379',
    classification: { category: 'credit', riskLevel: 'low', sideEffectSeverity: 'medium', tags: [], metadata: {}, estimatedBlastRadius: 1 },
    compensates: RAISE_ID,
    stateVersion: 3,
    expiresAt: null,
    position: 55,
  },
};
