import type { ServerOptions } from 'graphql-ws';
import type { Caller } from '../auth/access.js';
import { AuthenticationError } from '../auth/authenticationError.js';
import type { Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/tokens.js';

/** Close code for a WebSocket without a valid token at connection_init, or whose token expired. */
export const UNAUTHORIZED_CLOSE_CODE = 4401;

/**
 * The caller of an HTTP request. A missing or bad token is no error here: each operation's
 * resolver refuses with UNAUTHENTICATED and the reason, so HTTP and WebSocket answer alike.
 */
export async function httpCaller(verifier: TokenVerifier, authorization: string | undefined): Promise<Caller> {
  if (!authorization) return { principal: undefined, authError: undefined };
  try {
    return { principal: await verifier.verify(authorization), authError: undefined };
  } catch (error) {
    if (error instanceof AuthenticationError) return { principal: undefined, authError: error.message };
    throw error;
  }
}

/** What the WebSocket connection knows after connection_init. */
export type ConnectionExtra = { principal?: Principal; expiryTimer?: NodeJS.Timeout };

/**
 * graphql-ws hooks: a connection must bring a valid token in `connectionParams.authorization`, or it
 * is closed with 4401 before any operation; when the token expires, the connection (and each of its
 * subscriptions) is closed with 4401 "Token expired".
 */
export function websocketAuthentication(
  verifier: TokenVerifier,
): Pick<ServerOptions<Record<string, unknown> | undefined, ConnectionExtra & { socket: { close(code: number, reason: string): void } }>, 'onConnect' | 'onClose'> {
  return {
    async onConnect(ctx) {
      const authorization = ctx.connectionParams?.authorization;
      const { socket } = ctx.extra;
      try {
        if (typeof authorization !== 'string') throw new AuthenticationError('Sign in: send connectionParams.authorization');
        const principal = await verifier.verify(authorization);
        ctx.extra.principal = principal;
        if (principal.expiresAt !== undefined) {
          ctx.extra.expiryTimer = setTimeout(
            () => socket.close(UNAUTHORIZED_CLOSE_CODE, 'Token expired'),
            // setTimeout's limit is about 24.8 days: a longer-lived token's connection closes then, and reconnects.
            Math.min(Math.max(0, principal.expiresAt - Date.now()), 2 ** 31 - 1),
          );
        }
        return true;
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        socket.close(UNAUTHORIZED_CLOSE_CODE, error.message.slice(0, 120));
        return false;
      }
    },
    onClose(ctx) {
      clearTimeout(ctx.extra.expiryTimer);
    },
  };
}
