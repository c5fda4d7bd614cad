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
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, index) => typeof part !== shape[index])) {
    throw new InvalidQueryError('cursor', 'cursor is not one this API returned');
  }
  return key as (string | number)[];
}
