export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input ' +
  'returns the original result and writes nothing; the same commandId with other input is a CONFLICT. ' +
  "Scoped to the user who sends it: recorded in the events' metadata as client:<user id>:<commandId>; a new uuid when absent.";
