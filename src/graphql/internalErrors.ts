import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { formatError } from './errors.js';

/** Whether `formatError` masks this error as INTERNAL_SERVER_ERROR (a bug, or storage failing). */
export function isInternalError(error: GraphQLError): boolean {
  return formatError(error.toJSON(), error).extensions?.code === 'INTERNAL_SERVER_ERROR';
}

/**
 * Logs the errors a client sees only as "Internal server error", with the stack and the
 * operation's correlation id, so a report quoting the id finds the cause. Client errors are not logged.
 */
export function logInternalErrors(errors: readonly GraphQLError[], correlationId: string | undefined): void {
  for (const error of errors) {
    if (!isInternalError(error)) continue;
    const where = error.path ? ` at ${error.path.join('.')}` : '';
    console.error(`Internal error${where} (correlation id ${correlationId ?? 'unknown'}):`, error.originalError ?? error);
  }
}

/** Apollo's half of the logging (graphql-ws's half is in websocketHooks): every request's internal errors. */
export function internalErrorLogging<Context extends { correlationId: string }>(): ApolloServerPlugin<Context> {
  return {
    async contextCreationDidFail({ error }) {
      console.error('Internal error while creating the request context (no correlation id yet):', error);
    },
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      console.error(`Internal error (correlation id ${requestContext.contextValue?.correlationId ?? 'unknown'}):`, error);
    },
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          logInternalErrors(errors, contextValue.correlationId);
        },
      };
    },
  };
}
