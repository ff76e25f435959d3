import { commandFingerprint } from '../application/commandFingerprint.js';
import { clientIdempotencyKey } from '../application/idempotencyKeys.js';
import type { Principal } from '../auth/principal.js';
import { badUserInput } from './errors.js';

const COMMAND_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The idempotency option of a mutation's command: its `commandId` scoped to the sender as the key
 * (see idempotencyKeys.ts), and a fingerprint of who sent which mutation with what input, so a
 * reused key can be told from a retry. Undefined without a commandId; BAD_USER_INPUT for one that
 * breaks the format.
 */
export function idempotencyFor(
  principal: Principal,
  mutation: string,
  input: { commandId?: string | null },
): { key: string; fingerprint: string; commandId: string } | undefined {
  const { commandId } = input;
  if (commandId == null) return undefined;
  if (!COMMAND_ID.test(commandId)) throw badUserInput('commandId must be 1 to 128 letters, digits or . _ : -', 'commandId');
  return {
    key: clientIdempotencyKey(principal.userId, commandId),
    fingerprint: commandFingerprint(principal.userId, mutation, input),
    commandId,
  };
}
