import { GraphQLError, Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { operationLabel } from './messages.js';

/**
 * A validation rule: an operation's fields nest at most `maxDepth` deep, counted through fragments
 * (`{ order { items { name } } }` has depth 3). Reports "Query depth 1000 exceeds the limit of 15".
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context) => {
    const fragmentDepths = new Map<string, number>();

    function depthOf(selectionSet: SelectionSetNode, inProgress: Set<string>): number {
      let deepest = 0;
      const spread = new Set<string>();
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, inProgress) : 0));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, inProgress));
        } else if (!spread.has(selection.name.value)) {
          spread.add(selection.name.value);
          deepest = Math.max(deepest, fragmentDepth(selection.name.value, inProgress));
        }
      }
      return deepest;
    }

    // Each fragment is measured once, so fragments spreading fragments cannot make this exponential.
    function fragmentDepth(name: string, inProgress: Set<string>): number {
      const known = fragmentDepths.get(name);
      if (known !== undefined) return known;
      const fragment = context.getFragment(name);
      // Unknown fragments and cycles are other rules' errors.
      if (!fragment || inProgress.has(name)) return 0;
      inProgress.add(name);
      const depth = depthOf(fragment.selectionSet, inProgress);
      inProgress.delete(name);
      fragmentDepths.set(name, depth);
      return depth;
    }

    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`${operationLabel(operation)} depth ${depth} exceeds the limit of ${maxDepth}`, {
              nodes: operation,
              extensions: { limit: maxDepth, depth },
            }),
          );
        }
        return false;
      },
    };
  };
}
