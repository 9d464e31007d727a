/**
 * Opaque pagination cursors over the list order (updatedAt desc, ticket id desc): the position of the last
 * ticket a page examined, as base64url JSON. Clients must treat it as opaque; a cursor we did not mint is a 400,
 * never a server error. The position is a place in the order, not an offset, so tickets created, moved or
 * removed elsewhere in the list never shift the next page (the walk's contract: routes/schemas.ts LIST_CONTRACT).
 */
import { listPosition, ticketIdOfPosition } from '../processors/sinks/ticket-views.js';

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
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0 || typeof i !== 'string' || i === '') {
    throw new CursorError('is not a cursor we issued');
  }
  return { updatedAt: u, id: i };
}

/** The list position a cursor names (ticket-views.ts listPosition). */
export const positionOfCursor = (position: CursorPosition): string => listPosition(position.updatedAt, position.id);

/** The cursor naming a list position. */
export function cursorOfPosition(position: string): CursorPosition {
  return { updatedAt: Number(position.slice(0, position.indexOf(':'))), id: ticketIdOfPosition(position) };
}
