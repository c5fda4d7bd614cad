import type { ApprovalDecisionRecord, PendingApproval } from '@countersign/read-models';
import { RISK_LEVELS } from '@countersign/domain';
import { anyJson, arrayOf, integer, logPosition, nullable, objectOf, oneOfValues, pageOf, ref, string, timestamp, uuid, type Schema } from '../openapi/schema-builders.js';

export const APPROVAL_SCHEMAS: Record<string, Schema> = {
  PendingApproval: objectOf<PendingApproval>(
    {
      mutationId: uuid(),
      stateType: string(),
      stateId: string(),
      transition: string(),
      requestedBy: ref('ActorRef'),
      reason: nullable(string()),
      riskLevel: oneOfValues(RISK_LEVELS),
      category: string(),
      tags: arrayOf(string()),
      payload: anyJson('the payload'),
      diff: nullable(arrayOf(ref('DiffEntry'))),
      requirements: arrayOf(ref('Requirement')),
      currentStep: ref('CurrentStep'),
      approvals: arrayOf(ref('ApprovalRecord')),
      requestedAt: timestamp(),
      expiresAt: timestamp(),
      timeLeftMs: integer({ description: 'milliseconds until it expires' }),
    },
    { description: 'a pending mutation the caller may approve now' },
  ),
  PendingApprovalPage: pageOf(ref('PendingApproval'), 'earliest expiry first'),
  ApprovalDecision: objectOf<ApprovalDecisionRecord>({
    mutationId: uuid(),
    position: logPosition('the log position of the decision'),
    stateType: string(),
    stateId: string(),
    transition: string(),
    requestedBy: string({ description: 'the requester id' }),
    requestedAt: timestamp(),
    approver: ref('ActorRef'),
    step: integer({ minimum: 0 }),
    role: string(),
    decision: oneOfValues(['approve', 'reject']),
    comment: nullable(string()),
    decidedAt: timestamp(),
    waitMs: integer({ minimum: 0, description: 'how long after the request it was decided' }),
  }),
  ApprovalDecisionPage: pageOf(ref('ApprovalDecision'), 'most recent first'),
};
