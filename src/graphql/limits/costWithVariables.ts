import type { ApolloServerPlugin } from '@apollo/server';
import { costWithVariablesError, type CostLimitOptions } from './costLimit.js';

/**
 * Apollo's half of the cost check with the request's variable values (validation only knows the
 * defaults, and Apollo caches it per document): refuses before execution, with HTTP 400.
 */
export function costWithVariables(options: CostLimitOptions): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const error = costWithVariablesError(options, schema, document, request.operationName, request.variables);
          if (error) throw error;
        },
      };
    },
  };
}
