#!/usr/bin/env node
// The `orderstream` command. A development install (tsx among its packages) runs the TypeScript
// sources, so an edit shows at once; a production install (`npm ci --omit=dev` after `npm run build`)
// has no tsx and runs the compiled dist/cli.js with plain node.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let tsx;
try {
  tsx = createRequire(import.meta.url).resolve('tsx/esm/api');
} catch {
  tsx = undefined;
}
if (tsx === undefined) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig (experimentalDecorators for type-graphql) from wherever the command runs.
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  await import('../src/cli.ts');
}
