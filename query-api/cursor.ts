/**
 * Opaque pagination cursors over the list order (updatedAt desc, _id desc): the position of the last ticket
 * of a page, as base64url JSON. Clients must treat it as opaque; a cursor we did not mint is a 400, never a
 * server error.
 */

export interface CursorPosition {
  readonly updatedAt: number;
  readonly id: string;
}

export class CursorError extends Error {
  override name = 'CursorError';
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ u: position.updatedAt, i: position.id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new CursorError('is not a cursor we issued');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('is not a cursor we issued');
  }
  const { u, i } = (value ?? {}) as { u?: unknown; i?: unknown };
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || typeof i !== 'string' || i === '') {
    throw new CursorError('is not a cursor we issued');
  }
  return { updatedAt: u, id: i };
}

/** The Mongo filter for "after this position" in (updatedAt desc, _id desc) order. */
export function afterCursorFilter(position: CursorPosition) {
  return {
    $or: [{ updatedAt: { $lt: position.updatedAt } }, { updatedAt: position.updatedAt, _id: { $lt: position.id } }],
  };
}
