import { createHash } from 'node:crypto';

/**
 * A hash of who sent a command and what it said, so a reused idempotency key can be told from a
 * retry. Keys are sorted first: the same input is the same fingerprint whatever its field order.
 */
export function commandFingerprint(userId: string, commandName: string, input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson([userId, commandName, input]))
    .digest('base64url');
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}
