import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LazyBundle } from './lazyBundle.js';

/** Where `npm run build` writes the page's bundles (scripts/buildWeb.ts): dist/web/, beside the compiled server. */
export const BUILT_WEB_DIRECTORY = fileURLToPath(new URL('../../web/', import.meta.url));

/** The page's scripts: each built from its TypeScript entry under web/ into dist/web/ as `file`. */
export const PAGE_BUNDLES = [
  { entry: 'main.ts', file: 'app.js' },
  { entry: 'graphiql.ts', file: 'graphiql.js' },
] as const;

export type PageBundle = { javascript(): Promise<string> };

/**
 * A production server runs the bundle `npm run build` made (read once), when there is one; otherwise
 * (development, or the sources run without a build) it is built on first request, which needs esbuild.
 */
export function pageBundle(
  sources: string,
  { entry, file }: (typeof PAGE_BUNDLES)[number],
  options: { production: boolean; define?: Record<string, string> },
  builtDirectory = BUILT_WEB_DIRECTORY,
): PageBundle {
  const built = join(builtDirectory, file);
  if (!options.production || !existsSync(built)) return new LazyBundle(join(sources, entry), options);
  let read: Promise<string> | undefined;
  return { javascript: () => (read ??= readFile(built, 'utf8')) };
}
