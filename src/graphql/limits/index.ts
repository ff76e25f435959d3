import type { ParseOptions, ValidationRule } from 'graphql';
import { aliasLimitRule } from './aliasLimit.js';
import { costLimitRule } from './costLimit.js';
import { depthLimitRule } from './depthLimit.js';
import { introspectionDisabledRule } from './introspectionDisabled.js';
import { tokenLimit } from './tokenLimit.js';
import type { VariableBounds } from './variableBounds.js';

/** The bounds on what one GraphQL operation may ask, the same over HTTP and WebSocket. */
export const DEFAULT_LIMITS = {
  /** Tokens in a document; refused by the parser (GRAPHQL_PARSE_FAILED). */
  maxTokens: 5_000,
  /** Nesting of fields; the test operations nest at most 4 deep, the standard introspection query 15. */
  maxDepth: 15,
  maxAliases: 30,
  /** The test operations cost at most 1,100; the standard introspection query about 51,000. */
  maxCost: 100_000,
  /** Items assumed for a list of objects without a `first` argument (an order's items, its history). */
  defaultListSize: 10,
  /** Active subscriptions on one WebSocket connection. */
  maxSubscriptionsPerConnection: 50,
  /** Object fields and list items in a request's variables: a 100-item order sends about 600. */
  maxVariableValues: 2_000,
  /** Nesting inside variables: an order's input nests 3 deep. */
  maxVariableDepth: 10,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** What the transports need; Apollo takes `parseOptions` and `validationRules` as they are. */
export type GraphQLLimits = {
  parseOptions: ParseOptions;
  /** Run after graphql's specified rules: depth, aliases and cost, and in production no introspection. */
  validationRules: ValidationRule[];
  maxSubscriptionsPerConnection: number;
  /** Active subscriptions of one user (a token's subject) over all its connections. */
  maxSubscriptionsPerUser: number;
  /** Checked before variables are coerced, on both transports (see variableBounds.ts). */
  variableBounds: VariableBounds;
  /** For the cost check with the request's variable values (see costLimit.ts). */
  cost: { maxCost: number; defaultListSize: number };
};

/** `maxSubscriptionsPerUser` comes from the server's configuration (ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER); unbounded when absent. */
export function graphqlLimits(
  { production, maxSubscriptionsPerUser = Number.POSITIVE_INFINITY }: { production: boolean; maxSubscriptionsPerUser?: number },
  limits: Limits = DEFAULT_LIMITS,
): GraphQLLimits {
  return {
    parseOptions: tokenLimit(limits.maxTokens),
    validationRules: [
      depthLimitRule(limits.maxDepth),
      aliasLimitRule(limits.maxAliases),
      costLimitRule({ maxCost: limits.maxCost, defaultListSize: limits.defaultListSize }),
      ...(production ? [introspectionDisabledRule] : []),
    ],
    maxSubscriptionsPerConnection: limits.maxSubscriptionsPerConnection,
    maxSubscriptionsPerUser,
    variableBounds: { maxValues: limits.maxVariableValues, maxDepth: limits.maxVariableDepth },
    cost: { maxCost: limits.maxCost, defaultListSize: limits.defaultListSize },
  };
}
