/**
 * The namespaces of idempotency keys (stored as the events' `metadata.commandId`). A key a client
 * chooses is scoped to the user who sent it and always starts with `client:`; keys of the server's
 * own processes start with the id of the event that triggered them (a uuid the server made). So a
 * client can never take a key a process will use, nor another user's key.
 */

const CLIENT_PREFIX = 'client:';

/** The stored key of a client's `commandId`; the user id is encoded so that no `:` inside it can blur the scope. */
export function clientIdempotencyKey(userId: string, commandId: string): string {
  return `${CLIENT_PREFIX}${encodeURIComponent(userId)}:${commandId}`;
}

/** The key of one step a process takes for a trigger. Unchanged since the first logs, so replays find their old keys. */
export function processIdempotencyKey(triggerEventId: string, step: string): string {
  return `${triggerEventId}:${step}`;
}
