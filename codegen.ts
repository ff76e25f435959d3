import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the consumers of the schema (the tests today): schema.graphql, printed from
 * the code, plus the operations in test/operations. `npm run generate` writes them; CI checks them.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      // typescript-operations 6 emits the input and enum types itself, so the typescript plugin would duplicate them.
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: {
          Decimal: 'string',
          DateTime: 'string',
          LocalDate: 'string',
          SafeInt: 'number',
          JSON: 'unknown',
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
