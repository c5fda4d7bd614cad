/** Thrown for a query parameter the read side cannot use; mapped to 400 at the edge. */
export class InvalidQueryError extends Error {
  readonly code = 'invalid_query';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** Opaque page cursor: the sort key of the last row of the previous page. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
  }
  // Numbers in cursors are versions and positions: a fraction or 1e400 is a forgery, not a page.
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, index) => typeof part !== shape[index] || (typeof part === 'number' && !Number.isSafeInteger(part)))) {
    throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
  }
  return key as (string | number)[];
}

/**
 * Whether a cursor part is an instant as this API writes them (`toISOString`) and one PostgreSQL's
 * timestamptz holds: JavaScript dates reach years PostgreSQL refuses (year 0, ±275760).
 */
export function isCursorInstant(text: string): boolean {
  const instant = Date.parse(text);
  if (Number.isNaN(instant) || new Date(instant).toISOString() !== text) return false;
  const year = new Date(instant).getUTCFullYear();
  return year >= 1 && year <= 99_999;
}
