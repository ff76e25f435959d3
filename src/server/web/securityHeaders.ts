import type { Request, RequestHandler } from 'express';

/** A Host header we are willing to write into a policy: a name or an address, and a port. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The Content-Security-Policy of the page and the explorer: everything from this server only (no CDN,
 * no inline script), WebSockets to this host, no framing. The other headers (no sniffing, no framing,
 * no referrer) are helmet's, on every answer (server.ts). `inlineStyles` and `dataFonts`
 * are for GraphiQL, whose components set style elements at run time and whose fonts are inlined
 * as data: URLs in its CSS.
 */
export function securityHeaders(options: { inlineStyles?: boolean; dataFonts?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'none'",
        "script-src 'self'",
        `style-src 'self'${options.inlineStyles ? " 'unsafe-inline'" : ''}`,
        "img-src 'self' data:",
        `font-src 'self'${options.dataFonts ? ' data:' : ''}`,
        `connect-src ${connectSources(req)}`,
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    next();
  };
}

/** 'self', plus this host's ws: and wss: URLs (older browsers do not count them as 'self'). */
function connectSources(req: Request): string {
  const host = req.headers.host;
  return host && HOST.test(host) ? `'self' ws://${host} wss://${host}` : "'self'";
}
