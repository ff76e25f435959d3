import type { RequestHandler } from 'express';
import type { Role } from '../../auth/principal.js';
import { mintToken } from '../../auth/tokens.js';
import { DEVELOPMENT_JWT_SECRET, type ServerConfig } from '../config.js';
import { isLoopbackAddress, isLoopbackHost } from '../loopback.js';

/** The users the dashboard offers buttons for. */
const USERS: { label: string; claims: { sub: string; role: Role; customerId?: string } }[] = [
  { label: 'customer cust-1', claims: { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' } },
  { label: 'customer cust-2', claims: { sub: 'user-cust-2', role: 'customer', customerId: 'cust-2' } },
  { label: 'staff', claims: { sub: 'staff', role: 'staff' } },
  { label: 'admin', claims: { sub: 'admin', role: 'admin' } },
];
const EXPIRES_IN = '12h';

/**
 * Whether the server may hand out tokens: only in development mode (ORDERSTREAM_DEV_AUTH=1), where it
 * checks them with the built-in development secret. Never in production, never with a configured
 * secret or public key.
 */
export function handsOutDevelopmentTokens(config: Pick<ServerConfig, 'developmentTokens' | 'production' | 'auth'>): boolean {
  return (
    config.developmentTokens &&
    !config.production &&
    config.auth.publicKeyPem === undefined &&
    config.auth.secret === DEVELOPMENT_JWT_SECRET
  );
}

/**
 * GET /dev-tokens: `{ tokens: [{ label, token }] }`, freshly minted for 12 hours, for a caller on this
 * machine (a loopback address, and a loopback name in Host, which a DNS-rebinding page cannot send).
 * 404 with a JSON message when the server is not in development mode (its page then never asks), 403
 * for anyone else: an admin token must not be one request away for whoever reaches the port.
 */
export function developmentTokenRoute(config: Pick<ServerConfig, 'developmentTokens' | 'production' | 'auth'>): RequestHandler {
  const handsOut = handsOutDevelopmentTokens(config);
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!handsOut) {
      res.status(404).json({
        error: 'NOT_FOUND',
        message:
          'This server hands out no development tokens: it checks tokens with a configured key (development mode is ORDERSTREAM_DEV_AUTH=1)',
      });
      return;
    }
    // A reverse proxy on this machine connects from loopback for anyone: a forwarded request is refused.
    const forwarded = ['forwarded', 'x-forwarded-for', 'via'].some((header) => req.headers[header] !== undefined);
    if (forwarded || !isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) {
      res.status(403).json({
        error: 'FORBIDDEN',
        message: "Development tokens are handed out on the server's own machine only: open the page at http://localhost:<port>/ there",
      });
      return;
    }
    const tokens = await Promise.all(
      USERS.map(async ({ label, claims }) => ({ label, token: await mintToken(config.auth, claims, EXPIRES_IN) })),
    );
    res.json({ tokens });
  };
}
