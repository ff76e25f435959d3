import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getOperationAST,
  getNullableType,
  type GraphQLField,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
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
  visit,
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
 * Reports "Query cost 12000 exceeds the limit of 5000 …". `costWithVariablesError` measures the
 * same with the values a request sends for its variables.
 */
export function costLimitRule(options: CostLimitOptions): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const error = costError(options, { schema: context.getSchema(), operation: node, getFragment: (name) => context.getFragment(name) });
      if (error) context.reportError(error);
      return false;
    },
  });
}

/**
 * The cost of the operation a request runs, with `first: $n` priced at the value sent for `$n`:
 * a GraphQLError (GRAPHQL_VALIDATION_FAILED, HTTP 400) when over the limit, else undefined.
 * Run once the variables are known and bounded (see variableBounds.ts), before execution.
 */
export function costWithVariablesError(
  options: CostLimitOptions,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | undefined {
  // Only a `first` taken from a variable prices differently from validation's measure: skip the rest.
  if (!pagesByVariable(document)) return undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const error = costError(options, { schema, operation, getFragment: (name) => fragments.get(name), variables: variables ?? {} });
  return (
    error &&
    new GraphQLError(error.message, { extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } })
  );
}

/** Per document (Apollo hands the same one to every request that sends it): whether some `first` is a variable. */
const variablePages = new WeakMap<DocumentNode, boolean>();

function pagesByVariable(document: DocumentNode): boolean {
  let known = variablePages.get(document);
  if (known === undefined) {
    known = false;
    visit(document, {
      Argument(argument) {
        if (argument.name.value === 'first' && argument.value.kind === Kind.VARIABLE) known = true;
      },
    });
    variablePages.set(document, known);
  }
  return known;
}

type Measured = {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  getFragment: (name: string) => FragmentDefinitionNode | null | undefined;
  /** The request's variable values; absent in validation, where only defaults are known. */
  variables?: Readonly<Record<string, unknown>>;
};

function costError(
  { maxCost, defaultListSize }: CostLimitOptions,
  { schema, operation, getFragment, variables }: Measured,
): GraphQLError | undefined {
  const fragmentCosts = new Map<string, number>();

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
      const sent = variables?.[value.name.value];
      if (typeof sent === 'number' && Number.isFinite(sent)) return sent;
      const variable = operation.variableDefinitions?.find((definition) => definition.variable.name.value === value.name.value);
      return variable?.defaultValue?.kind === Kind.INT ? Number(variable.defaultValue.value) : undefined;
    }
    return undefined;
  }

  function costOf(
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType | undefined,
    inPage: boolean,
    inProgress: Set<string>,
  ): number {
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
    const fragment = getFragment(name);
    if (!fragment || inProgress.has(name)) return 0;
    inProgress.add(name);
    const cost = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), inPage, inProgress);
    inProgress.delete(name);
    fragmentCosts.set(key, cost);
    return cost;
  }

  const rootType = schema.getRootType(operation.operation) ?? undefined;
  const cost = costOf(operation.selectionSet, rootType, false, new Set());
  if (cost <= maxCost) return undefined;
  return new GraphQLError(
    `${operationLabel(operation)} cost ${countText(cost)} exceeds the limit of ${maxCost}: each field costs 1, and a list ` +
      `counts its fields once per item it may return (its \`first\` argument, else ${defaultListSize})`,
    { nodes: operation, extensions: { limit: maxCost, cost: Number.isSafeInteger(cost) ? cost : null } },
  );
}
