import { GraphQLError } from 'graphql';

/** A GraphQL name, short enough for a log line. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * The operation name a request sends goes into logs and metrics, so it must be a GraphQL name of
 * at most 100 characters: BAD_REQUEST otherwise, before anything else runs. Absent (or null) is fine.
 */
export function operationNameError(operationName: unknown): GraphQLError | undefined {
  if (operationName === undefined || operationName === null) return undefined;
  if (typeof operationName === 'string' && OPERATION_NAME.test(operationName)) return undefined;
  return new GraphQLError('operationName must be a GraphQL name (a letter or _, then letters, digits or _; at most 100 characters)', {
    extensions: { code: 'BAD_REQUEST' },
  });
}
