import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { CLIENT_ERROR_CODES } from '../application/errorCodes.js';

/** Codes a client may act on; anything else is masked as INTERNAL_SERVER_ERROR. */
const CLIENT_CODES: ReadonlySet<string> = new Set([
  ...CLIENT_ERROR_CODES,
  // Apollo's own, for documents it cannot run.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** An error thrown by a lower layer: a `code` and `details` that become extensions (domain, eventstore). */
type CodedError = Error & { code: string; details?: Record<string, unknown> };

function isCodedError(error: unknown): error is CodedError {
  return error instanceof Error && typeof (error as CodedError).code === 'string' && CLIENT_CODES.has((error as CodedError).code);
}

export function badUserInput(message: string, field: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}

export function notFound(message: string, type: string, id: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND', type, id } });
}

/**
 * Turns errors that carry a client code into GraphQLErrors with that code in extensions, by code
 * and never by class, so this layer imports neither domain nor eventstore.
 */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof GraphQLError || !isCodedError(error)) return error;
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { ...error.details, code: error.code },
  });
}

/** type-graphql global middleware: the same mapping for queries, mutations and subscriptions. */
export const mapErrors: MiddlewareFn = async (_, next) => {
  try {
    return await next();
  } catch (error) {
    throw toGraphQLError(error);
  }
};

const MAX_MESSAGE_LENGTH = 1_000;

// 100 characters or more between quotes: a value, not the words between two short quoted names.
const LONG_QUOTED_VALUE = /"((?:[^"\\]|\\.){40})(?:[^"\\]|\\.){60,}"/g;

/**
 * graphql-js quotes a refused variable value whole, twice: a megabyte sent should not come back.
 * Long quoted values are cut to 40 characters (keeping the path and the reason after them), then
 * the message to MAX_MESSAGE_LENGTH.
 */
function shortened(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  const cut = message.replace(LONG_QUOTED_VALUE, '"$1…"');
  if (cut.length <= MAX_MESSAGE_LENGTH) return cut;
  // Cut between code points, never inside a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(cut.charAt(MAX_MESSAGE_LENGTH - 1)) ? MAX_MESSAGE_LENGTH - 1 : MAX_MESSAGE_LENGTH;
  return `${cut.slice(0, end)}… (${message.length} characters in all)`;
}

/**
 * The last net, shared by HTTP (Apollo's formatError) and WebSocket: keeps errors with a client
 * code, and masks everything else so no internal detail or stack trace leaks.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_CODES.has(code)) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, message: shortened(formatted.message), extensions };
  }
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const mapped = toGraphQLError(original);
  if (mapped instanceof GraphQLError && mapped !== original) {
    return { ...formatted, message: mapped.message, extensions: mapped.extensions };
  }
  // Logged with the correlation id by the transports (internalErrors.ts), not here, where there is none.
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
