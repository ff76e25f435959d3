/**
 * The codes a command or query may be refused with, carried by domain, store and auth errors as
 * `code`: clients act on them (see the errors table in docs/api.md), metrics count refusals by them.
 */
export const CLIENT_ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'FAILED_PRECONDITION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'SERVICE_UNAVAILABLE',
] as const;
