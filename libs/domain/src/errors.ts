/**
 * An expected failure of a command, with a stable code that the HTTP edge maps to a status
 * in exactly one place. Domain functions return these as values; they never throw them.
 */
export interface DomainError {
  code: DomainErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type DomainErrorCode =
  | 'unknown_contract'
  | 'unknown_transition'
  | 'invalid_payload'
  | 'state_not_found'
  | 'state_already_exists'
  | 'effect_failed'
  | 'version_conflict'
  | 'plan_changed'
  | 'mutation_not_pending'
  | 'self_approval'
  | 'already_approved'
  | 'no_approval_required'
  | 'approver_role_required'
  | 'unknown_check'
  | 'check_role_required'
  | 'cancel_not_allowed'
  | 'unknown_dependency'
  | 'dependency_failed'
  | 'no_such_dependency'
  | 'irreversible'
  | 'revert_conflict'
  | 'already_compensated'
  | 'mutation_not_applied'
  | 'forbidden'
  | 'batch_not_pending'
  | 'batch_not_retryable'
  | 'unsupported_requirement'
  | 'invalid_side_effect'
  | 'invalid_classification';

export function domainError(code: DomainErrorCode, message: string, details?: Record<string, unknown>): DomainError {
  return details === undefined ? { code, message } : { code, message, details };
}
