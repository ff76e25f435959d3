import type { RequestHandler } from 'express';
import { operationNameError } from '../graphql/limits/operationName.js';
import { type VariableBounds, variablesBoundError } from '../graphql/limits/variableBounds.js';

/**
 * Express middleware for /graphql, after the body is read and before Apollo: a request whose
 * operationName is not a GraphQL name, or whose variables pass the bounds, is answered 400 with
 * the error at once, so graphql-js never coerces them (see variableBounds.ts). GET requests carry
 * both in the query string. `onRefused` counts each refusal by reason.
 */
export function boundedRequest(bounds: VariableBounds, onRefused: (reason: 'operation_name' | 'variables') => void): RequestHandler {
  return (req, res, next) => {
    const requests: unknown[] = req.method === 'GET' ? [fromQueryString(req.query)] : Array.isArray(req.body) ? req.body : [req.body];
    for (const request of requests) {
      if (request === null || typeof request !== 'object') continue;
      const { operationName, variables } = request as { operationName?: unknown; variables?: unknown };
      const badName = operationNameError(operationName);
      const error = badName ?? variablesBoundError(variables, bounds);
      if (error) {
        onRefused(badName ? 'operation_name' : 'variables');
        res.status(400).json({ errors: [error.toJSON()] });
        return;
      }
    }
    next();
  };
}

/** A GET request's operationName and variables (a JSON text Apollo would parse; left to it when not JSON). */
function fromQueryString(query: Record<string, unknown>): { operationName?: unknown; variables?: unknown } {
  let variables: unknown;
  if (typeof query.variables === 'string') {
    try {
      variables = JSON.parse(query.variables);
    } catch {
      variables = undefined;
    }
  }
  return { operationName: query.operationName, variables };
}
