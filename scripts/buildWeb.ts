/**
 * `npm run build`, second step: bundles the page's scripts into dist/web/ for production (minified,
 * no development tokens: a production server never hands them out), so the server needs no esbuild.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../src/server/web/lazyBundle.js';
import { PAGE_BUNDLES } from '../src/server/web/pageBundles.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = join(root, 'dist', 'web');
mkdirSync(output, { recursive: true });
for (const { entry, file } of PAGE_BUNDLES) {
  const javascript = await bundle(join(root, 'web', entry), { production: true, define: { ORDERSTREAM_DEVELOPMENT_TOKENS: 'false' } });
  writeFileSync(join(output, file), javascript);
  console.log(`dist/web/${file}: ${Math.round(javascript.length / 1024)} KiB`);
}
