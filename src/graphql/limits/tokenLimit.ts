import type { ParseOptions } from 'graphql';

/**
 * Options for graphql's `parse` that refuse a document of more than `maxTokens` tokens before
 * building any of it. Deep nesting costs a few tokens a level, so this also bounds the recursion of
 * parsing and validation: a few thousand levels overflow the stack, and the parser stops long before.
 * The error is a syntax error ("Document contains more that 5000 tokens"), GRAPHQL_PARSE_FAILED.
 */
export function tokenLimit(maxTokens: number): ParseOptions {
  return { maxTokens };
}
