#!/usr/bin/env node
// The `orderstream` command: runs src/cli.ts through tsx (a runtime dependency), so there is no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's tsconfig (experimentalDecorators for type-graphql) from wherever the command runs.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.ts');
