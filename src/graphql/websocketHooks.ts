import {
  type ExecutionArgs,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  parse,
  validate,
} from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { formatError } from './errors.js';

/** Re-issues a graphql-js error with an extensions code, as Apollo does for HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/**
 * graphql-ws hooks that give WebSocket clients the same errors as HTTP clients: parse,
 * validation and variable errors carry codes, and every other error passes through formatError.
 */
export function websocketHooks(schema: GraphQLSchema): Pick<ServerOptions, 'onSubscribe' | 'onNext' | 'onError'> {
  return {
    onSubscribe(_ctx, _id, payload) {
      let document;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
      }
      const validationErrors = validate(schema, document);
      if (validationErrors.length > 0) return validationErrors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));

      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [new GraphQLError('Unable to identify the operation to run', { extensions: { code: 'BAD_REQUEST' } })];
      const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
      if (variables.errors) return variables.errors.map((error) => withCode(error, 'BAD_USER_INPUT'));

      const args: ExecutionArgs = {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
      };
      return args;
    },
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors) return undefined;
      return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
    },
    onError(_ctx, _id, _payload, errors) {
      return errors.map((error) => formatError(error.toJSON(), error));
    },
  };
}
