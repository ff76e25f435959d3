import { readdirSync, readFileSync } from 'node:fs';
import {
  type DocumentNode,
  getIntrospectionQuery,
  type GraphQLSchema,
  parse,
  print,
  separateOperations,
  specifiedRules,
  validate,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../../src/graphql/buildSchema.js';
import { DEFAULT_LIMITS, graphqlLimits } from '../../../src/graphql/limits/index.js';

const limits = graphqlLimits({ production: false });
const OPERATIONS_FOLDER = new URL('../../operations/', import.meta.url);

describe('GraphQL limits', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildSchema();
  });

  /** Parses with the server's parse options and validates with graphql's rules and the limits. */
  function check(source: string): string[] {
    let document: DocumentNode;
    try {
      document = parse(source, limits.parseOptions);
    } catch (error) {
      return [(error as Error).message];
    }
    return validate(schema, document, [...specifiedRules, ...limits.validationRules]).map((error) => error.message);
  }

  /** Each operation of test/operations, with the fragments it uses. */
  function testOperations(): { name: string; source: string }[] {
    const files = readdirSync(OPERATIONS_FOLDER).filter((file) => file.endsWith('.graphql'));
    const document = parse(files.map((file) => readFileSync(new URL(file, OPERATIONS_FOLDER), 'utf8')).join('\n'));
    return Object.entries(separateOperations(document)).map(([name, operation]) => ({ name, source: print(operation) }));
  }

  describe('given every operation in test/operations', () => {
    it('should find them', () => {
      expect(testOperations().length).toBeGreaterThanOrEqual(16);
    });

    it('should pass each one', () => {
      for (const { name, source } of testOperations()) expect(check(source), name).toEqual([]);
    });

    it('should pass each one with room to spare: a third of the depth, a tenth of the tokens and the cost', () => {
      const tight = graphqlLimits(
        { production: false },
        {
          ...DEFAULT_LIMITS,
          maxDepth: DEFAULT_LIMITS.maxDepth / 3,
          maxCost: DEFAULT_LIMITS.maxCost / 10,
          maxTokens: DEFAULT_LIMITS.maxTokens / 10,
        },
      );
      for (const { name, source } of testOperations()) {
        const document = parse(source, tight.parseOptions);
        expect(
          validate(schema, document, [...specifiedRules, ...tight.validationRules]).map((error) => error.message),
          name,
        ).toEqual([]);
      }
    });

    it('should pass the standard introspection query (introspection is on outside production)', () => {
      expect(check(getIntrospectionQuery())).toEqual([]);
    });
  });

  describe('in production', () => {
    const production = graphqlLimits({ production: true });
    const checkInProduction = (source: string) =>
      validate(schema, parse(source, production.parseOptions), [...specifiedRules, ...production.validationRules]).map(
        (error) => error.message,
      );

    it('should refuse introspection, once per document', () => {
      expect(checkInProduction(getIntrospectionQuery())).toEqual([
        'Introspection is disabled on this server; the document asks for __schema',
      ]);
      expect(checkInProduction('{ __type(name: "Order") { name } }')).toEqual([
        'Introspection is disabled on this server; the document asks for __type',
      ]);
    });

    it('should still answer __typename and pass every test operation', () => {
      expect(checkInProduction('{ __typename }')).toEqual([]);
      for (const { name, source } of testOperations()) expect(checkInProduction(source), name).toEqual([]);
    });
  });

  describe('given a hostile document', () => {
    it('should refuse more than 5,000 tokens in the parser', () => {
      const aliases = Array.from({ length: 2000 }, (_, index) => `a${index}: __typename`).join(' ');
      expect(check(`{ ${aliases} }`)).toEqual(['Syntax Error: Document contains more that 5000 tokens. Parsing aborted.']);
    });

    it('should refuse nesting deeper than 15, counting through fragments', () => {
      const fragment = 'fragment Deep on Order { items { unitPrice { amount } } }';
      const deep = `{ order(id: "x") { ...Deep } } ${fragment}`;
      expect(check(deep)).toEqual([]);
      const nested = `{ ${'a { '.repeat(15)}a${' }'.repeat(15)} }`;
      expect(check(nested)).toContain('Query depth 16 exceeds the limit of 15');
    });

    it('should name the operation kind in the depth message', () => {
      const nested = `subscription { ${'a { '.repeat(19)}a${' }'.repeat(19)} }`;
      expect(check(nested)).toContain('Subscription depth 20 exceeds the limit of 15');
    });

    it('should refuse more than 30 aliases, counting those in fragments', () => {
      const aliases = (count: number, prefix: string) =>
        Array.from({ length: count }, (_, index) => `${prefix}${index}: __typename`).join(' ');
      expect(check(`{ ${aliases(30, 'a')} }`)).toEqual([]);
      expect(check(`{ ${aliases(20, 'a')} ...More } fragment More on Query { ${aliases(11, 'b')} }`)).toEqual([
        'Query uses 31 aliases, more than the limit of 30',
      ]);
    });

    it('should count a list by its first argument, and the edges inside it once', () => {
      const page = (first: number) => `{ orders(first: ${first}) { edges { node { id items { name } } } } }`;
      // orders: first × (1 + edges (1 + node (1 + id 1 + items 10 × (1 + name 1))))
      const cost = (first: number) => first * (1 + 1 + 1 + 1 + 10 * 2);
      expect(check(page(100))).toEqual([]);
      const tooMany = `{ ${Array.from({ length: 5 }, (_, index) => `o${index}: orders(first: 1000) { edges { node { id items { name } } } }`).join(' ')} }`;
      expect(check(tooMany)).toEqual([
        `Query cost ${5 * cost(1000)} exceeds the limit of 100000: each field costs 1, and a list counts its fields ` +
          'once per item it may return (its `first` argument, else 10)',
      ]);
    });

    it("should count a variable first as the variable's default, else the argument's default", () => {
      const withVariable = (definition: string) =>
        `query Q(${definition}) { ${Array.from({ length: 5 }, (_, index) => `o${index}: orders(first: $first) { edges { node { id items { name } } } }`).join(' ')} }`;
      expect(check(withVariable('$first: Int = 1000'))).toEqual([expect.stringMatching(/^Query cost 120000 exceeds/)]);
      expect(check(withVariable('$first: Int'))).toEqual([]); // 5 × 20 × 24
    });

    it('should measure fragments that spread fragments once each, however often they multiply', () => {
      // Each fragment spreads the next twice, so the operation stands for 2^200 fields and aliases.
      const fragments = Array.from(
        { length: 200 },
        (_, index) =>
          `fragment F${index} on Query { a${index}: __typename ... on Query { ...F${index + 1} } ... on Query { ...F${index + 1} } }`,
      ).join('\n');
      const document = parse(`{ ...F0 } ${fragments} fragment F200 on Query { __typename }`);
      const started = performance.now();
      const errors = validate(schema, document, limits.validationRules).map((error) => error.message);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(errors).toEqual([
        'Query uses more than 2^53 aliases, more than the limit of 30',
        expect.stringMatching(/^Query cost more than 2\^53 exceeds the limit of 100000/),
      ]);
    });

    it('should not loop on a fragment cycle, which graphql reports', () => {
      const errors = check('{ order(id: "x") { ...A } } fragment A on Order { items { name } ...B } fragment B on Order { ...A }');
      expect(errors).toEqual([expect.stringMatching(/Cannot spread fragment "A" within itself via "B"/)]);
    });
  });
});
