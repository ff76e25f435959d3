import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RequestHandler, type Response, Router } from 'express';
import type { ServerConfig } from '../config.js';
import { developmentTokenRoute, handsOutDevelopmentTokens } from './developmentTokens.js';
import { PAGE_BUNDLES, type PageBundle, pageBundle } from './pageBundles.js';
import { securityHeaders } from './securityHeaders.js';

/** The page's sources: index.html, styles.css, main.ts and what it imports, graphiql.html and graphiql.ts. */
const WEB_DIRECTORY = fileURLToPath(new URL('../../../web/', import.meta.url));
const require = createRequire(import.meta.url);

/** GraphiQL's and React's own browser builds, served from node_modules as they are. */
const VENDOR_FILES: Record<string, string> = {
  'react.js': packageFile('react', 'umd/react.production.min.js'),
  'react-dom.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  'graphiql.js': packageFile('graphiql', 'graphiql.min.js'),
  'graphiql.css': packageFile('graphiql', 'graphiql.min.css'),
  // The source maps the two name at their ends, for the browser's developer tools.
  'graphiql.min.js.map': packageFile('graphiql', 'graphiql.min.js.map'),
  'graphiql.min.css.map': packageFile('graphiql', 'graphiql.min.css.map'),
};

/**
 * The dashboard at `/` and the GraphiQL explorer at `/graphiql`, with everything they load served
 * from here (nothing from a CDN). Production serves the bundles `npm run build` made; otherwise the
 * TypeScript is bundled on first request (LazyBundle). In
 * development mode `/dev-tokens` hands out tokens for the page's role buttons to callers on this
 * machine; the bundle says whether to ask (ORDERSTREAM_DEVELOPMENT_TOKENS), so a page on a server that
 * hands out none never requests it (a 404 the browser would log on every load).
 */
export function webRoutes(config: Pick<ServerConfig, 'production' | 'developmentTokens' | 'auth'>): Router {
  const router = Router();
  const bundleOptions = {
    production: config.production,
    define: { ORDERSTREAM_DEVELOPMENT_TOKENS: String(handsOutDevelopmentTokens(config)) },
  };
  const [dashboard, explorer] = PAGE_BUNDLES.map((bundle) => pageBundle(WEB_DIRECTORY, bundle, bundleOptions)) as [PageBundle, PageBundle];

  router.get('/', securityHeaders(), file(join(WEB_DIRECTORY, 'index.html')));
  router.get('/styles.css', file(join(WEB_DIRECTORY, 'styles.css')));
  router.get('/app.js', script(dashboard));
  router.get('/graphiql', securityHeaders({ inlineStyles: true, dataFonts: true }), file(join(WEB_DIRECTORY, 'graphiql.html')));
  router.get('/graphiql/app.js', script(explorer));
  router.get('/graphiql/vendor/:name', (req, res, next) => {
    const path = VENDOR_FILES[req.params.name];
    if (!path) return next();
    send(res, path, 'public, max-age=86400');
  });
  router.get('/dev-tokens', developmentTokenRoute(config));
  return router;
}

/** A file of the page; `no-cache` asks the browser to revalidate (by ETag), so an edit shows on reload. */
function file(path: string): RequestHandler {
  return (_req, res) => send(res, path, 'no-cache');
}

function send(res: Response, path: string, cacheControl: string): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.sendFile(path, { headers: { 'Cache-Control': cacheControl } });
}

/** A bundle as JavaScript; a build that fails answers 500 with esbuild's messages, for the developer. */
function script(bundle: PageBundle): RequestHandler {
  return async (_req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache');
    try {
      res.type('text/javascript').send(await bundle.javascript());
    } catch (error) {
      res
        .status(500)
        .type('text/plain')
        .send(`The page could not be built:\n${(error as Error).message}\n`);
    }
  };
}

function packageFile(name: string, path: string): string {
  return join(dirname(require.resolve(`${name}/package.json`)), path);
}
