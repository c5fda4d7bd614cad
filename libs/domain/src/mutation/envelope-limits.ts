/**
 * The bounds of every field a request can set, decided once: whatever the write side accepts,
 * every read model can hold (docs/api.md "Limits"). The HTTP edge refuses values outside them with
 * 400 naming the field; the domain checks the classification a contract computes against them too.
 */
export const ENVELOPE_LIMITS = {
  /** Nesting of any request body (objects and arrays), counted from the body itself at depth 1. */
  maxJsonDepth: 64,
  /** `estimatedBlastRadius` and `blastRadiusMin/Max`: a PostgreSQL integer. */
  maxBlastRadius: 2_147_483_647,
  /** `expectedVersion` and state versions: a PostgreSQL integer. */
  maxVersion: 2_147_483_647,
  /** Log positions (`minPosition`): integers JavaScript represents exactly. */
  maxPosition: Number.MAX_SAFE_INTEGER,
  /** `dependencyTimeout`: at least one millisecond, at most 30 days. */
  minDependencyTimeoutMs: 1,
  maxDependencyTimeoutMs: 30 * 24 * 60 * 60 * 1000,
  /** Every timestamp (`notBefore`, `from`, `to`) lies in these years, which PostgreSQL and JavaScript both hold. */
  minTimestampYear: 1970,
  maxTimestampYear: 9999,
  maxCategoryLength: 100,
  maxReasonLength: 2000,
  maxTags: 50,
  maxTagLength: 64,
} as const;

/** Whether an ISO 8601 timestamp falls in the years every store holds. */
export function isTimestampInRange(text: string): boolean {
  const time = Date.parse(text);
  if (Number.isNaN(time)) return false;
  const year = new Date(time).getUTCFullYear();
  return year >= ENVELOPE_LIMITS.minTimestampYear && year <= ENVELOPE_LIMITS.maxTimestampYear;
}
