import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logging/logger.js';

/** One GraphQL operation as answered, for its log line. */
export type OperationRecord = {
  transport: 'http' | 'ws' | 'sse';
  /** null for an anonymous operation, or one refused before it was identified. */
  operationName: string | null;
  /** query, mutation or subscription; null when the document could not be parsed or chosen from. */
  operationType: string | null;
  /** The errors as the client saw them (formatted, each with extensions.code). */
  errors: readonly GraphQLFormattedError[];
  durationMs: number;
  /** Absent for a WebSocket operation refused before it ran (its context, and so its id, never existed). */
  correlationId: string | undefined;
};

/** The distinct codes of the errors a client saw, in order. */
export function errorCodes(errors: readonly GraphQLFormattedError[]): string[] {
  return [...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
}

/**
 * Writes the one line per operation: name, type, outcome (`ok`, or `error` with `errorCodes`),
 * duration in milliseconds and correlation id. A subscription's line is written when it ends, with
 * its whole lifetime as duration.
 */
export function logOperation(logger: Logger, record: OperationRecord): void {
  const codes = errorCodes(record.errors);
  logger.info(
    {
      transport: record.transport,
      operationName: record.operationName,
      operationType: record.operationType,
      outcome: codes.length === 0 ? 'ok' : 'error',
      ...(codes.length > 0 && { errorCodes: codes }),
      durationMs: Math.round(record.durationMs * 10) / 10,
      correlationId: record.correlationId,
    },
    `graphql ${record.operationType ?? 'operation'} ${record.operationName ?? '(anonymous)'} ${codes.length === 0 ? 'ok' : codes.join(',')}`,
  );
}

/** Apollo's half of the operation log (graphql-ws's half is in websocketHooks): one line per HTTP operation. */
export function operationLogging<Context extends { correlationId: string }>(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operation, document, request, response }) {
          const body = response.body;
          // Apollo resolves the operation after validation; a document that fails validation still names it.
          const named = operation ?? (document && getOperationAST(document, request.operationName));
          logOperation(logger, {
            transport: 'http',
            operationName: named?.name?.value ?? request.operationName ?? null,
            operationType: named?.operation ?? null,
            errors: body.kind === 'single' ? (body.singleResult.errors ?? []) : (body.initialResult.errors ?? []),
            durationMs: performance.now() - startedAt,
            correlationId: contextValue.correlationId,
          });
        },
      };
    },
  };
}
