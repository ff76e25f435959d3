export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Idempotency key (1 to 128 of A-Z a-z 0-9 . _ : -). Sending a command again with the same commandId and input ' +
  'returns the original result and writes nothing; the same commandId with other input is a CONFLICT. ' +
  "Recorded in the events' metadata; a new uuid when absent.";
