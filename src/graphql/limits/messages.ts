import type { OperationDefinitionNode } from 'graphql';

/** "Query", "Mutation" or "Subscription", to start a limit's message. */
export function operationLabel(operation: OperationDefinitionNode): string {
  return operation.operation.charAt(0).toUpperCase() + operation.operation.slice(1);
}

/** A count for a message; fragments that spread fragments can multiply it past exact integers. */
export function countText(count: number): string {
  return Number.isSafeInteger(count) ? String(count) : 'more than 2^53';
}
