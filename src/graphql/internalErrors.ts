import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Logger } from '../logging/logger.js';
import { formatError } from './errors.js';

/** Whether `formatError` masks this error as INTERNAL_SERVER_ERROR (a bug, or storage failing). */
export function isInternalError(error: GraphQLError): boolean {
  return formatError(error.toJSON(), error).extensions?.code === 'INTERNAL_SERVER_ERROR';
}

/**
 * Logs the errors a client sees only as "Internal server error", with the stack and the
 * operation's correlation id, so a report quoting the id finds the cause. Client errors are not logged.
 */
export function logInternalErrors(logger: Logger, errors: readonly GraphQLError[], correlationId: string | undefined): void {
  for (const error of errors) {
    if (!isInternalError(error)) continue;
    const where = error.path ? ` at ${error.path.join('.')}` : '';
    logger.error(
      { err: error.originalError ?? error, path: error.path?.join('.'), correlationId },
      `Internal error${where} (correlation id ${correlationId ?? 'unknown'})`,
    );
  }
}

/** Apollo's half of the logging (graphql-ws's half is in websocketHooks): every request's internal errors. */
export function internalErrorLogging<Context extends { correlationId: string }>(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async contextCreationDidFail({ error }) {
      logger.error({ err: error }, 'Internal error while creating the request context (no correlation id yet)');
    },
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      const correlationId = requestContext.contextValue?.correlationId;
      logger.error({ err: error, correlationId }, `Internal error (correlation id ${correlationId ?? 'unknown'})`);
    },
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          logInternalErrors(logger, errors, contextValue.correlationId);
        },
      };
    },
  };
}
