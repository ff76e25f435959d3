// Prints schema.graphql from the code-first schema. With --check, fails instead when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from '../src/graphql/buildSchema.js';

const SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);
const HEADER = '# Generated from the code by `npm run generate`: do not edit.\n\n';

const printed = `${HEADER}${printSchema(lexicographicSortSchema(await buildSchema()))}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== printed) {
    console.error('schema.graphql is stale: run `npm run generate` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is current.');
} else {
  writeFileSync(SCHEMA_FILE, printed);
  console.log('Wrote schema.graphql');
}
