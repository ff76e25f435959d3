import {
  type DocumentNode,
  type ExecutionArgs,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logging/logger.js';
import { formatError } from './errors.js';
import { logInternalErrors } from './internalErrors.js';
import { logOperation } from './operationLog.js';
import type { GraphQLLimits } from './limits/index.js';
import { costWithVariablesError } from './limits/costLimit.js';
import { operationNameError } from './limits/operationName.js';
import { SubscriptionLimit, type SubscriptionLimitName } from './limits/subscriptionLimit.js';
import { variablesBoundError } from './limits/variableBounds.js';

/** The subscription limits `limits` sets, refusals told to `observer`. */
export function subscriptionLimit(limits: GraphQLLimits, observer: Pick<WebSocketObserver, 'countLimitRefusal'>): SubscriptionLimit {
  return new SubscriptionLimit(limits.maxSubscriptionsPerConnection, limits.maxSubscriptionsPerUser, observer.countLimitRefusal);
}

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

const MAX_VARIABLE_ERRORS = 50;

/** The user (token subject) a connection signed in as at connection_init (see server/authentication.ts). */
const userOf = (ctx: { extra: unknown }): string | undefined => (ctx.extra as { principal?: Principal } | undefined)?.principal?.userId;

/** Where the WebSocket hooks report: the log, and (for metrics) the number of active subscriptions. */
export type WebSocketObserver = {
  logger: Logger;
  /** +1 when a subscription starts running, -1 when it ends. Must not throw. */
  countSubscription?: (delta: 1 | -1) => void;
  /** Told which limit refused a subscription (per connection, per user). Must not throw. */
  countLimitRefusal?: (limit: SubscriptionLimitName) => void;
  /** Told of each refusal before parsing (operation name, variables). Must not throw. */
  countRefusal?: (reason: 'operation_name' | 'variables') => void;
  /** Told of each document it parses. Must not throw. */
  countParse?: () => void;
};

/** An operation between subscribe and its end, for its log line. */
type InFlight = {
  startedAt: number;
  name: string | null;
  type: string | null;
  correlationId?: string;
  /** It reached execution (onOperation); before that an error ends it, after that onComplete does. */
  running: boolean;
  countedAsSubscription: boolean;
  errors: GraphQLFormattedError[];
};

/**
 * graphql-ws hooks that give WebSocket clients the same errors and limits as HTTP clients: parse,
 * validation and variable errors carry codes; documents get Apollo's parse options and validation
 * rules (`limits`), which graphql-ws would otherwise skip; a connection has at most
 * `limits.maxSubscriptionsPerConnection` active subscriptions, and a user (over all its
 * connections) at most `limits.maxSubscriptionsPerUser`; every other error passes through
 * formatError, and internal ones are logged with the operation's correlation id. Each operation gets
 * one log line when it ends (see operationLog.ts).
 */
export function websocketHooks(
  schema: GraphQLSchema,
  limits: GraphQLLimits,
  observer: WebSocketObserver,
  {
    transport = 'ws',
    subscriptions = subscriptionLimit(limits, observer),
  }: {
    /** Named in each operation's log line: graphql-ws, or GraphQL over SSE (sseTransport.ts), which uses these hooks too. */
    transport?: 'ws' | 'sse';
    /** The count of each user's subscriptions: one for both transports, so a user's limit covers both. */
    subscriptions?: SubscriptionLimit;
  } = {},
): Pick<ServerOptions, 'onSubscribe' | 'onOperation' | 'onNext' | 'onError' | 'onComplete'> {
  // As Apollo runs them: graphql's rules, then ours (depth, aliases, cost; no introspection in production).
  const rules = [...specifiedRules, ...limits.validationRules];
  // Per connection, its operations in flight. The context (and its correlation id) exists only once
  // an operation runs; onError and onComplete need it later.
  const operations = new WeakMap<object, Map<string, InFlight>>();
  const inFlight = (ctx: object, id: string) => operations.get(ctx)?.get(id);
  const end = (ctx: object, id: string, operation: InFlight) => {
    operations.get(ctx)?.delete(id);
    if (operation.countedAsSubscription) observer.countSubscription?.(-1);
    logOperation(observer.logger, {
      transport,
      operationName: operation.name,
      operationType: operation.type,
      errors: operation.errors,
      durationMs: performance.now() - operation.startedAt,
      correlationId: operation.correlationId,
    });
  };

  return {
    onSubscribe(ctx, id, payload) {
      const badName = operationNameError(payload.operationName);
      const tracked: InFlight = {
        startedAt: performance.now(),
        name: badName ? null : (payload.operationName ?? null),
        type: null,
        running: false,
        countedAsSubscription: false,
        errors: [],
      };
      if (!operations.has(ctx)) operations.set(ctx, new Map());
      operations.get(ctx)!.set(id, tracked);

      if (badName) {
        observer.countRefusal?.('operation_name');
        return [badName];
      }
      // Before parsing and coercion: its cost is bounded by the limits, not by what was sent.
      const unbounded = variablesBoundError(payload.variables, limits.variableBounds);
      if (unbounded) {
        observer.countRefusal?.('variables');
        return [unbounded];
      }
      observer.countParse?.();
      let document: DocumentNode;
      try {
        document = parse(payload.query, limits.parseOptions);
      } catch (error) {
        return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
      }
      const operation = getOperationAST(document, payload.operationName);
      tracked.name = operation?.name?.value ?? tracked.name;
      tracked.type = operation?.operation ?? null;
      const validationErrors = validate(schema, document, rules);
      if (validationErrors.length > 0) return validationErrors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));

      if (!operation) return [new GraphQLError('Unable to identify the operation to run', { extensions: { code: 'BAD_REQUEST' } })];
      // At most as many errors as Apollo reports over HTTP.
      const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, {
        maxErrors: MAX_VARIABLE_ERRORS,
      });
      if (variables.errors) return variables.errors.map((error) => withCode(error, 'BAD_USER_INPUT'));
      const tooCostly = costWithVariablesError(limits.cost, schema, document, payload.operationName, variables.coerced);
      if (tooCostly) return [tooCostly];
      // Counted last, so that only a subscription that will run counts; onComplete uncounts it.
      if (operation.operation === 'subscription') {
        const refused = subscriptions.start(ctx, id, userOf(ctx));
        if (refused) return [refused];
        tracked.countedAsSubscription = true;
        observer.countSubscription?.(1);
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
      const tracked = inFlight(ctx, id);
      if (!tracked) return undefined;
      tracked.running = true;
      const correlationId = (args.contextValue as { correlationId?: unknown } | undefined)?.correlationId;
      if (typeof correlationId === 'string') tracked.correlationId = correlationId;
      return undefined;
    },
    onNext(ctx, id, _payload, _args, result) {
      if (!result.errors) return undefined;
      const tracked = inFlight(ctx, id);
      logInternalErrors(observer.logger, result.errors, tracked?.correlationId);
      const errors = result.errors.map((error) => formatError(error.toJSON(), error));
      tracked?.errors.push(...errors);
      return { ...result, errors };
    },
    onError(ctx, id, _payload, errors) {
      const tracked = inFlight(ctx, id);
      logInternalErrors(observer.logger, errors, tracked?.correlationId);
      const formatted = errors.map((error) => formatError(error.toJSON(), error));
      if (tracked) {
        tracked.errors.push(...formatted);
        // Refused before it ran: no onComplete follows.
        if (!tracked.running) end(ctx, id, tracked);
      }
      return formatted;
    },
    onComplete(ctx, id) {
      subscriptions.end(ctx, id);
      const tracked = inFlight(ctx, id);
      if (tracked) end(ctx, id, tracked);
    },
  };
}
