import { ENVELOPE_LIMITS, isTimestampInRange } from '@countersign/domain';
import { parseDuration } from '@countersign/runtime';
import { isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/** A request duration: `<integer><unit>`, unit ms s m h d. */
export const DURATION_PATTERN = /^\d{1,12}(ms|s|m|h|d)$/;

/** Milliseconds of a request duration (`30s`, `15m`, `2h`, `7d`), or undefined when it is not one. */
export function requestDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) return undefined;
  try {
    return parseDuration(value, 'duration');
  } catch {
    return undefined; // zero
  }
}

/** A duration like `30s` or `2h` within [minMs, maxMs] (ENVELOPE_LIMITS). */
export function IsBoundedDuration(minMs: number, maxMs: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBoundedDuration',
      constraints: [minMs, maxMs],
      validator: {
        validate: (value) => {
          const milliseconds = requestDurationMs(value);
          return milliseconds !== undefined && milliseconds >= minMs && milliseconds <= maxMs;
        },
        defaultMessage: (args) => `${args?.property} must be a duration like 30s, 15m, 2h or 7d, from ${minMs}ms to ${maxMs / 86_400_000}d`,
      },
    },
    options,
  );
}

/** An ISO 8601 date-time (strict) in the years ENVELOPE_LIMITS allows, which every store holds. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value) => typeof value === 'string' && isISO8601(value, { strict: true }) && isTimestampInRange(value),
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time between the years ${ENVELOPE_LIMITS.minTimestampYear} and ${ENVELOPE_LIMITS.maxTimestampYear}`,
      },
    },
    options,
  );
}

/** A string of min to max characters, counted as Unicode code points (the same count the domain uses). */
export function IsTextOfLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTextOfLength',
      constraints: [min, max],
      validator: {
        validate: (value) => typeof value === 'string' && [...value].length >= min && [...value].length <= max,
        defaultMessage: (args) => `${args?.property} must be ${min === 0 ? `at most ${max}` : `${min}-${max}`} characters`,
      },
    },
    options,
  );
}
