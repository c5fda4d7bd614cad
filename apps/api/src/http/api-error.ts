/**
 * The stable error codes of the HTTP contract and their status. This table is the one place
 * where domain outcomes become HTTP statuses (BRIEF §4).
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  malformed_json: 400,
  invalid_query: 400,
  reserved_key: 400,
  unauthorized: 401,
  forbidden: 403,
  policy_denied: 403,
  self_approval: 403,
  approver_role_required: 403,
  check_role_required: 403,
  cancel_not_allowed: 403,
  unknown_check: 404,
  not_found: 404,
  mutation_not_found: 404,
  batch_not_found: 404,
  side_effect_not_found: 404,
  parked_event_not_found: 404,
  state_not_found: 404,
  method_not_allowed: 405,
  version_conflict: 409,
  plan_changed: 409,
  idempotency_conflict: 409,
  request_in_progress: 409,
  state_already_exists: 409,
  mutation_not_pending: 409,
  already_approved: 409,
  no_approval_required: 409,
  revert_conflict: 409,
  already_compensated: 409,
  mutation_not_applied: 409,
  batch_not_pending: 409,
  batch_not_retryable: 409,
  side_effect_not_dead: 409,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  unknown_contract: 422,
  unknown_transition: 422,
  invalid_payload: 422,
  effect_failed: 422,
  guard_denied: 422,
  unknown_dependency: 422,
  dependency_failed: 422,
  projection_failed: 422,
  irreversible: 422,
  unsupported_requirement: 422,
  invalid_side_effect: 422,
  invalid_classification: 422,
  over_capacity: 429,
  internal_error: 500,
  lane_busy: 503,
  projection_lag: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error answer: `{ error, message, details }` plus any extra top-level fields (e.g. mutationId of a denial). */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): Record<string, unknown> {
    return { error: this.code, message: this.message, details: this.details, ...this.extra };
  }
}
