import { configDefaults, defineConfig } from 'vitest/config';

// Three layers, told apart by where a file lives or how it is named (docs/development.md):
// unit: *.unit.test.ts; e2e: test/e2e, test/browser and *.e2e.test.ts; int: every other test file.
const UNIT = ['test/**/*.unit.test.ts'];
const E2E = ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts', 'test/**/*.e2e.test.ts'];

export default defineConfig({
  resolve: {
    // One copy of graphql: type-graphql and our code must share its realm.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // `extends: true` gives each project the settings above; `include` stays per project, as arrays are concatenated.
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'int', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...UNIT, ...E2E] } },
      { extends: true, test: { name: 'e2e', include: E2E, exclude: [...configDefaults.exclude, ...UNIT] } },
    ],
  },
});
