import {
  type FieldNode,
  getNamedType,
  getNullableType,
  type GraphQLField,
  GraphQLError,
  type GraphQLNamedType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { countText, operationLabel } from './messages.js';

export type CostLimitOptions = {
  /** The highest cost an operation may have. */
  maxCost: number;
  /** How many items a list without a `first` argument is assumed to return. */
  defaultListSize: number;
};

/**
 * A validation rule with a static cost: each field costs 1, and a field that returns many things
 * multiplies the cost of its selection by how many: its `first` argument (the literal; for a
 * variable, the variable's default, else the argument's default in the schema), or
 * `defaultListSize` for a list of objects without one. Lists right inside a field that took `first`
 * (a connection's `edges`, `nodes`) are that page, so they do not multiply again.
 * Reports "Query cost 12000 exceeds the limit of 5000 …".
 */
export function costLimitRule({ maxCost, defaultListSize }: CostLimitOptions): ValidationRule {
  return (context) => {
    const schema = context.getSchema();
    const fragmentCosts = new Map<string, number>();
    let operation: OperationDefinitionNode;

    function fieldDefinition(parentType: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
      if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
      if (parentType === schema.getQueryType()) {
        if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
        if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
      }
      return isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
    }

    /** The page size a field asks for, when it takes `first`. */
    function pageSize(field: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number | undefined {
      const declared = definition?.args.find((arg) => arg.name === 'first');
      const given = field.arguments?.find((arg) => arg.name.value === 'first')?.value;
      if (!declared && !given) return undefined;
      const fallback = typeof declared?.defaultValue === 'number' ? declared.defaultValue : defaultListSize;
      return Math.max(0, intValue(given) ?? fallback);
    }

    function intValue(value: ValueNode | undefined): number | undefined {
      if (value?.kind === Kind.INT) return Number(value.value);
      if (value?.kind === Kind.VARIABLE) {
        const variable = operation.variableDefinitions?.find((definition) => definition.variable.name.value === value.name.value);
        return variable?.defaultValue?.kind === Kind.INT ? Number(variable.defaultValue.value) : undefined;
      }
      return undefined;
    }

    function costOf(selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined, inPage: boolean, inProgress: Set<string>): number {
      let cost = 0;
      const spread = new Set<string>();
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const definition = fieldDefinition(parentType, selection.name.value);
          const page = pageSize(selection, definition);
          const isList = definition !== undefined && isListType(getNullableType(definition.type));
          const times = page ?? (isList && selection.selectionSet && !inPage ? defaultListSize : 1);
          const below = selection.selectionSet
            ? costOf(selection.selectionSet, definition && getNamedType(definition.type), page !== undefined, inProgress)
            : 0;
          cost += times * (1 + below);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          cost += costOf(selection.selectionSet, type, inPage, inProgress);
        } else if (!spread.has(selection.name.value)) {
          spread.add(selection.name.value);
          cost += fragmentCost(selection.name.value, inPage, inProgress);
        }
      }
      return cost;
    }

    // Memoised per fragment, so fragments spreading fragments cannot make this exponential.
    function fragmentCost(name: string, inPage: boolean, inProgress: Set<string>): number {
      const key = `${name}:${inPage}`;
      const known = fragmentCosts.get(key);
      if (known !== undefined) return known;
      const fragment = context.getFragment(name);
      if (!fragment || inProgress.has(name)) return 0;
      inProgress.add(name);
      const cost = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), inPage, inProgress);
      inProgress.delete(name);
      fragmentCosts.set(key, cost);
      return cost;
    }

    return {
      OperationDefinition(node) {
        operation = node;
        const rootType = schema.getRootType(node.operation) ?? undefined;
        const cost = costOf(node.selectionSet, rootType, false, new Set());
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(
              `${operationLabel(node)} cost ${countText(cost)} exceeds the limit of ${maxCost}: each field costs 1, and a list ` +
                `counts its fields once per item it may return (its \`first\` argument, else ${defaultListSize})`,
              { nodes: node, extensions: { limit: maxCost, cost: Number.isSafeInteger(cost) ? cost : null } },
            ),
          );
        }
        return false;
      },
    };
  };
}
