import { GraphQLError } from 'graphql';

export type VariableBounds = {
  /** Object fields and list items in all of a request's variables together. */
  maxValues: number;
  /** How deep objects and lists nest inside the variables. */
  maxDepth: number;
};

/**
 * Checks a request's variables against `bounds` before graphql-js coerces them: coercion reports
 * one error per unknown field, each quoting the whole object, so its cost grows with the square of
 * the fields sent. The walk stops at the first bound passed, so it costs at most `maxValues` steps
 * whatever was sent. BAD_USER_INPUT with the limit when over; undefined when within.
 */
export function variablesBoundError(variables: unknown, bounds: VariableBounds): GraphQLError | undefined {
  if (variables === null || typeof variables !== 'object') return undefined;
  let values = 0;
  const pending: { value: object; depth: number }[] = [{ value: variables, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > bounds.maxDepth) {
      return refusal(`Variables nest deeper than ${bounds.maxDepth} levels`, bounds.maxDepth);
    }
    for (const key in next.value) {
      if (++values > bounds.maxValues) {
        return refusal(`Variables hold more than ${bounds.maxValues} values (object fields and list items together)`, bounds.maxValues);
      }
      const inner = (next.value as Record<string, unknown>)[key];
      if (inner !== null && typeof inner === 'object') pending.push({ value: inner, depth: next.depth + 1 });
    }
  }
  return undefined;
}

function refusal(what: string, limit: number): GraphQLError {
  return new GraphQLError(`${what}, more than this server takes; send less`, { extensions: { code: 'BAD_USER_INPUT', limit } });
}
