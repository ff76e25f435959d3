import type { CodegenConfig } from '@graphql-codegen/cli';

/** How the schema's scalars look in TypeScript, for every consumer. */
const scalars = {
  Decimal: 'string',
  DateTime: 'string',
  LocalDate: 'string',
  SafeInt: 'number',
  JSON: 'unknown',
};

/**
 * Typed documents for the consumers of the schema: schema.graphql, printed from the code, plus the
 * operations in test/operations (the tests) and in web/operations (the dashboard page).
 * `npm run generate` writes them; CI checks them.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'test/generated/graphql.ts': {
      documents: ['test/operations/*.graphql'],
      // typescript-operations 6 emits the input and enum types itself, so the typescript plugin would duplicate them.
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars,
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
    'web/generated/graphql.ts': {
      documents: ['web/operations/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars,
        enumsAsTypes: true,
        useTypeImports: true,
        // Plain strings (a TypedDocumentString), so the page needs no graphql runtime to send them.
        documentMode: 'string',
      },
    },
  },
};

export default config;
