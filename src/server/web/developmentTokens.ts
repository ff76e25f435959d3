import type { RequestHandler } from 'express';
import type { Role } from '../../auth/principal.js';
import { mintToken } from '../../auth/tokens.js';
import { DEVELOPMENT_JWT_SECRET, type ServerConfig } from '../config.js';

/** The users the dashboard offers buttons for. */
const USERS: { label: string; claims: { sub: string; role: Role; customerId?: string } }[] = [
  { label: 'customer cust-1', claims: { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' } },
  { label: 'customer cust-2', claims: { sub: 'user-cust-2', role: 'customer', customerId: 'cust-2' } },
  { label: 'staff', claims: { sub: 'staff', role: 'staff' } },
  { label: 'admin', claims: { sub: 'admin', role: 'admin' } },
];
const EXPIRES_IN = '12h';

/**
 * Whether the server may hand out tokens: only when it checks them with the built-in development
 * secret, which is public in this source, so anyone could mint these anyway. Never in production,
 * never with a configured secret or public key.
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
 * GET /dev-tokens: `{ tokens: [{ label, token }] }`, freshly minted for 12 hours; `{ tokens: [] }`
 * when the server does not hand them out (an empty list rather than a 404, which the browser would
 * log as an error on every page load).
 */
export function developmentTokenRoute(config: Pick<ServerConfig, 'developmentTokens' | 'production' | 'auth'>): RequestHandler {
  const handsOut = handsOutDevelopmentTokens(config);
  return async (_req, res) => {
    const tokens = handsOut
      ? await Promise.all(USERS.map(async ({ label, claims }) => ({ label, token: await mintToken(config.auth, claims, EXPIRES_IN) })))
      : [];
    res.setHeader('Cache-Control', 'no-store');
    res.json({ tokens });
  };
}
