/**
 * Domain errors carry a transport-neutral `code`; the GraphQL layer maps by code, never by class.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input breaks a rule that holds whatever the state (an empty order, a quantity of 0). */
export class ValidationError extends DomainError {
  constructor(message: string, field: string) {
    super('BAD_USER_INPUT', message, { field });
  }
}

/** The command targets something that does not exist. */
export class NotFoundError extends DomainError {
  constructor(message: string, type: string, id: string) {
    super('NOT_FOUND', message, { type, id });
  }
}

/** The command is valid, but the current state forbids it; retrying is pointless until the state changes. */
export class IllegalStateError extends DomainError {
  constructor(message: string, status: string) {
    super('FAILED_PRECONDITION', message, { status });
  }
}

/** The command would create something that exists already. */
export class AlreadyExistsError extends DomainError {
  constructor(message: string, type: string, id: string) {
    super('CONFLICT', message, { type, id });
  }
}
