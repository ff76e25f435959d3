import { GraphQLError, Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { countText, operationLabel } from './messages.js';

/**
 * A validation rule: an operation uses at most `maxAliases` aliases (`a1: order(id: "1")`), counted
 * through fragments, so no one asks for the same field ten thousand times under other names.
 * Reports "Query uses 1000 aliases, more than the limit of 30".
 */
export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context) => {
    const fragmentAliases = new Map<string, number>();

    function aliasesIn(selectionSet: SelectionSetNode, inProgress: Set<string>): number {
      let count = 0;
      const spread = new Set<string>();
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.alias) count += 1;
          if (selection.selectionSet) count += aliasesIn(selection.selectionSet, inProgress);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          count += aliasesIn(selection.selectionSet, inProgress);
        } else if (!spread.has(selection.name.value)) {
          // graphql-js executes a fragment spread twice in one selection set once, so it counts once.
          spread.add(selection.name.value);
          count += fragmentCount(selection.name.value, inProgress);
        }
      }
      return count;
    }

    function fragmentCount(name: string, inProgress: Set<string>): number {
      const known = fragmentAliases.get(name);
      if (known !== undefined) return known;
      const fragment = context.getFragment(name);
      if (!fragment || inProgress.has(name)) return 0;
      inProgress.add(name);
      const count = aliasesIn(fragment.selectionSet, inProgress);
      inProgress.delete(name);
      fragmentAliases.set(name, count);
      return count;
    }

    return {
      OperationDefinition(operation) {
        const aliases = aliasesIn(operation.selectionSet, new Set());
        if (aliases > maxAliases) {
          context.reportError(
            new GraphQLError(`${operationLabel(operation)} uses ${countText(aliases)} aliases, more than the limit of ${maxAliases}`, {
              nodes: operation,
              extensions: { limit: maxAliases, aliases: Number.isSafeInteger(aliases) ? aliases : null },
            }),
          );
        }
        return false;
      },
    };
  };
}
