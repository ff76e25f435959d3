import type { StoredEvent } from '../../eventstore/eventStore.js';

/**
 * `<prefix>.<streamType>.<streamId>`: consumers filter one order (`orderstream.Order.order-42`) or
 * one kind (`orderstream.Order.*`). A subject token cannot hold "." or spaces, so any character but
 * letters, digits, "_", ":" and "-" is written as %XX (its UTF-8 bytes).
 */
export function subjectFor(prefix: string, event: Pick<StoredEvent, 'streamType' | 'streamId'>): string {
  return `${prefix}.${token(event.streamType)}.${token(event.streamId)}`;
}

function token(text: string): string {
  return text.replace(/[^A-Za-z0-9_:-]/gu, (character) =>
    [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}
