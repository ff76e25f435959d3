import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { VerifyClientCallbackAsync } from 'ws';

/** What a page on an allowed origin may send to /graphql (apollo-require-preflight is csrfPrevention's header). */
const GRAPHQL_REQUESTS = { methods: 'GET, POST', headers: 'authorization, content-type, x-correlation-id, apollo-require-preflight' };
/** And to /graphql/stream (SSE): PUT reserves a stream, DELETE ends an operation, the stream token header names the stream. */
export const STREAM_REQUESTS = {
  methods: 'GET, POST, PUT, DELETE',
  headers: 'authorization, content-type, x-correlation-id, x-graphql-event-stream-token',
};
/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for `/graphql` over HTTP: a page on one of `origins` (CORS_ORIGINS, exact origins) may call it;
 * any other origin gets no `Access-Control-Allow-Origin`, so its browser keeps the answer from it, and
 * a preflight from it is answered 403. Tokens travel in the Authorization header, never in cookies,
 * so credentials are not allowed. Same-origin requests (the server's own pages) need none of this.
 */
export function cors(origins: readonly string[], allowed: { methods: string; headers: string } = GRAPHQL_REQUESTS): RequestHandler {
  const listed = new Set(origins);
  return (req, res, next) => {
    // The answer depends on Origin: caches must not give one origin's answer to another.
    res.vary('Origin');
    const origin = req.headers.origin;
    const permitted = origin !== undefined && listed.has(origin);
    if (permitted) res.setHeader('Access-Control-Allow-Origin', origin);
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!preflight) return next();
    if (!permitted) {
      res.status(403).json({
        error: 'FORBIDDEN',
        message: `Origin ${origin ?? '(none)'} may not call this API from a browser; list it in CORS_ORIGINS`,
      });
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', allowed.methods);
    res.setHeader('Access-Control-Allow-Headers', allowed.headers);
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    res.status(204).end();
  };
}

/**
 * Whether a WebSocket upgrade may go ahead, judged by its Origin header: none (not a browser: a
 * server-side client, which a token still has to admit), the server's own host (its dashboard and
 * GraphiQL), or one of `origins`. Browsers always send Origin, so a page elsewhere cannot open a
 * socket here unless CORS_ORIGINS lists it.
 */
export function websocketOriginAllowed(request: Pick<IncomingMessage, 'headers'>, origins: readonly string[]): boolean {
  const { origin, host } = request.headers;
  if (origin === undefined) return true;
  if (origins.includes(origin)) return true;
  return URL.canParse(origin) && host !== undefined && new URL(origin).host === host.toLowerCase();
}

/**
 * ws's `verifyClient`: an upgrade from an origin `websocketOriginAllowed` refuses is answered 403 with
 * a JSON message before the WebSocket opens.
 */
export function verifyWebSocketOrigin(origins: readonly string[]): VerifyClientCallbackAsync {
  return ({ req }, done) => {
    if (websocketOriginAllowed(req, origins)) return done(true);
    const message = `Origin ${req.headers.origin} may not open a WebSocket here; list it in CORS_ORIGINS`;
    done(false, 403, JSON.stringify({ error: 'FORBIDDEN', message }), { 'Content-Type': 'application/json' });
  };
}
