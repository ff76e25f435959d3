import type { ExpectedVersion } from './eventStore.js';

/** The stream's version was not the one the writer expected: reload and retry. */
export class ExpectedVersionConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    readonly actualVersion: number,
  ) {
    super(`Stream ${streamId} is at version ${actualVersion}, but version ${String(expectedVersion)} was expected; reload and retry`);
    this.name = 'ExpectedVersionConflictError';
  }

  get details(): Record<string, unknown> {
    return { streamId: this.streamId, expectedVersion: this.expectedVersion, actualVersion: this.actualVersion };
  }
}

/** An event id is stored already outside this append, or repeats within it. */
export class DuplicateEventError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    readonly eventId: string,
    reason = 'is stored already as part of another append',
  ) {
    super(`Event ${eventId} ${reason}`);
    this.name = 'DuplicateEventError';
  }

  get details(): Record<string, unknown> {
    return { eventId: this.eventId };
  }
}

/** The storage cannot take writes right now (read-only, full, locked); retry later. */
export class StorageUnavailableError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StorageUnavailableError';
  }

  get details(): Record<string, unknown> {
    return {};
  }
}

/** A client's idempotency key (commandId) came back with another command or input. */
export class IdempotencyKeyReusedError extends Error {
  readonly code = 'CONFLICT';
  constructor(readonly commandId: string) {
    super(`commandId ${commandId} was already used for a different command or input; send a new commandId for a new command`);
    this.name = 'IdempotencyKeyReusedError';
  }

  get details(): Record<string, unknown> {
    return { commandId: this.commandId };
  }
}
