/** The exit codes of `countersign`, the one table (documented in `countersign --help` and docs/cli.md). */
export const EXIT_CODES = {
  success: 0,
  failure: 1,
  usage: 2,
  denied: 3,
  conflict: 4,
  pending: 5,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** What each code means, in the order `--help` lists them. */
export const EXIT_CODE_MEANINGS: readonly (readonly [ExitCode, string])[] = [
  [EXIT_CODES.success, 'success: applied, or recorded and pending when not waiting; a read that answered'],
  [EXIT_CODES.usage, 'usage or invalid input: a bad flag or argument, any 400/422 that is not a recorded denial, problems found by validate'],
  [EXIT_CODES.denied, 'denied or rejected: a recorded denial (guard_denied, policy_denied), a rejection, a refused approval or command (403)'],
  [EXIT_CODES.conflict, 'conflict: 409 (version_conflict, plan_changed, idempotency_conflict, …) or a mutation that ended conflicted'],
  [EXIT_CODES.pending, 'still pending when --wait timed out'],
  [EXIT_CODES.failure, 'anything else: network, 401, 404, 429, 5xx, a mutation that ended expired, cancelled or failed'],
];

/** The exit code of an HTTP error answer; `recordedStatus` is the status of the mutation it recorded, if any. */
export function exitCodeOfAnswer(status: number, recordedStatus?: unknown): ExitCode {
  if (recordedStatus === 'denied') return EXIT_CODES.denied;
  if (status === 400 || status === 422) return EXIT_CODES.usage;
  if (status === 403) return EXIT_CODES.denied;
  if (status === 409) return EXIT_CODES.conflict;
  return EXIT_CODES.failure;
}

/** The exit code of a mutation's status once a command is done with it (waited for, approved, …). */
export function exitCodeOfStatus(status: string): ExitCode {
  switch (status) {
    case 'applied':
    case 'compensated':
      return EXIT_CODES.success;
    case 'pending':
      return EXIT_CODES.success;
    case 'denied':
    case 'rejected':
      return EXIT_CODES.denied;
    case 'conflicted':
      return EXIT_CODES.conflict;
    default:
      return EXIT_CODES.failure;
  }
}

/** A batch's status as an exit code: applied or still going 0, denied or rejected 3, anything else (partially applied, rolled back, failed, expired, cancelled) 1. */
export function exitCodeOfBatchStatus(status: string): ExitCode {
  if (status === 'applied' || status === 'pending' || status === 'running') return EXIT_CODES.success;
  if (status === 'denied' || status === 'rejected') return EXIT_CODES.denied;
  return EXIT_CODES.failure;
}
