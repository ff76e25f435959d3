import {
  type ExecutionArgs,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { formatError } from './errors.js';
import { logInternalErrors } from './internalErrors.js';
import type { GraphQLLimits } from './limits/index.js';
import { SubscriptionLimit } from './limits/subscriptionLimit.js';

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
 * graphql-ws hooks that give WebSocket clients the same errors and limits as HTTP clients: parse,
 * validation and variable errors carry codes; documents get Apollo's parse options and validation
 * rules (`limits`), which graphql-ws would otherwise skip; a connection has at most
 * `limits.maxSubscriptionsPerConnection` active subscriptions; every other error passes through
 * formatError, and internal ones are logged with the operation's correlation id.
 */
export function websocketHooks(
  schema: GraphQLSchema,
  limits: GraphQLLimits,
): Pick<ServerOptions, 'onSubscribe' | 'onOperation' | 'onNext' | 'onError' | 'onComplete'> {
  // As Apollo runs them: graphql's rules, then ours (depth, aliases, cost; no introspection in production).
  const rules = [...specifiedRules, ...limits.validationRules];
  const subscriptions = new SubscriptionLimit(limits.maxSubscriptionsPerConnection);
  // The context (and its correlation id) exists only once the operation runs; onError needs it later.
  const correlationIds = new WeakMap<object, Map<string, string>>();
  const correlationIdOf = (ctx: object, id: string) => correlationIds.get(ctx)?.get(id);

  return {
    onSubscribe(ctx, id, payload) {
      let document;
      try {
        document = parse(payload.query, limits.parseOptions);
      } catch (error) {
        return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
      }
      const validationErrors = validate(schema, document, rules);
      if (validationErrors.length > 0) return validationErrors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));

      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [new GraphQLError('Unable to identify the operation to run', { extensions: { code: 'BAD_REQUEST' } })];
      const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
      if (variables.errors) return variables.errors.map((error) => withCode(error, 'BAD_USER_INPUT'));
      // Counted last, so that only a subscription that will run counts; onComplete uncounts it.
      if (operation.operation === 'subscription') {
        const refused = subscriptions.start(ctx, id);
        if (refused) return [refused];
      }

      const args: ExecutionArgs = {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
      };
      return args;
    },
    onOperation(ctx, id, _payload, args) {
      const correlationId = (args.contextValue as { correlationId?: unknown } | undefined)?.correlationId;
      if (typeof correlationId !== 'string') return undefined;
      if (!correlationIds.has(ctx)) correlationIds.set(ctx, new Map());
      correlationIds.get(ctx)!.set(id, correlationId);
      return undefined;
    },
    onNext(ctx, id, _payload, _args, result) {
      if (!result.errors) return undefined;
      logInternalErrors(result.errors, correlationIdOf(ctx, id));
      return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
    },
    onError(ctx, id, _payload, errors) {
      logInternalErrors(errors, correlationIdOf(ctx, id));
      return errors.map((error) => formatError(error.toJSON(), error));
    },
    onComplete(ctx, id) {
      subscriptions.end(ctx, id);
      correlationIds.get(ctx)?.delete(id);
    },
  };
}
