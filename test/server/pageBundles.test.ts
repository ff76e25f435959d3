import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pageBundle } from '../../src/server/web/pageBundles.js';

const DASHBOARD = { entry: 'main.ts', file: 'app.js' } as const;

describe("The page's scripts", () => {
  let sources: string;
  let built: string;
  beforeEach(() => {
    sources = mkdtempSync(join(tmpdir(), 'orderstream-page-sources-'));
    built = mkdtempSync(join(tmpdir(), 'orderstream-page-built-'));
    writeFileSync(join(sources, 'main.ts'), "const greeting: string = 'bundled on request';\nconsole.log(greeting);\n");
  });
  afterEach(() => {
    rmSync(sources, { recursive: true, force: true });
    rmSync(built, { recursive: true, force: true });
  });

  it('are the ones `npm run build` made when a production server has them', async () => {
    writeFileSync(join(built, 'app.js'), 'console.log("built ahead of time");\n');

    expect(await pageBundle(sources, DASHBOARD, { production: true }, built).javascript()).toBe('console.log("built ahead of time");\n');
  });

  it('are bundled from the sources on request without a build, and always in development', async () => {
    const withoutBuild = await pageBundle(sources, DASHBOARD, { production: true }, built).javascript();
    writeFileSync(join(built, 'app.js'), 'console.log("built ahead of time");\n');
    const inDevelopment = await pageBundle(sources, DASHBOARD, { production: false }, built).javascript();

    expect(withoutBuild).toContain('bundled on request');
    expect(inDevelopment).toContain('bundled on request');
    expect(inDevelopment).not.toContain('built ahead of time');
  });
});
