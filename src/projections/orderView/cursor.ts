/**
 * Opaque page cursors over the position at which an order was placed: strictly increasing and
 * never reused, so "newest first" pages stay stable while new orders arrive.
 */
const PREFIX = 'placed:';

export function encodeOrderCursor(placedPosition: number): string {
  return Buffer.from(`${PREFIX}${placedPosition}`).toString('base64url');
}

/** The placed position a cursor stands for, or undefined when it is not one of ours. */
export function decodeOrderCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(PREFIX)) return undefined;
  const position = Number(text.slice(PREFIX.length));
  return Number.isSafeInteger(position) && position > 0 ? position : undefined;
}
