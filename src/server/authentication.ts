import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { Caller } from '../auth/access.js';
import { AuthenticationError } from '../auth/authenticationError.js';
import type { Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { type Clock, systemClock, type Timer } from '../clock/clock.js';
import { type ConnectionLimit, TOO_MANY_CONNECTIONS_CLOSE_CODE } from './connectionLimit.js';

/** Close code for a WebSocket without a valid token at connection_init, or whose token expired. */
export const UNAUTHORIZED_CLOSE_CODE = 4401;
/** How long a socket told its token expired gets to take the close frame before it is dropped. */
const EXPIRED_SOCKET_GRACE_MS = 1_000;

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

/**
 * Express middleware for /graphql: a request without a valid token is answered 401 UNAUTHENTICATED
 * at once, before its body is read, parsed, validated or coerced, so a stranger can make the server
 * do no more than check a signature. The caller goes on in `res.locals.caller`. CORS preflights
 * (OPTIONS) carry no token and pass.
 */
export function requireToken(verifier: TokenVerifier, onRefused: () => void = () => undefined): RequestHandler {
  return (req, res, next) => {
    // Only a CORS preflight carries no token (cors() answers it); any other OPTIONS is a request like the rest.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) return next();
    httpCaller(verifier, req.headers.authorization).then((caller) => {
      if (caller.principal) {
        res.locals.caller = caller;
        return next();
      }
      onRefused();
      const message = caller.authError ?? 'Sign in: send "Authorization: Bearer <token>"';
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
    }, next);
  };
}

/** What the WebSocket connection knows after connection_init. */
export type ConnectionExtra = { principal?: Principal; expiryTimer?: Timer };

/**
 * graphql-ws hooks: a connection must bring a valid token in `connectionParams.authorization`, or it
 * is closed with 4401 before any operation; when the token expires, the connection (and each of its
 * subscriptions) is closed with 4401 "Token expired". With `connections`, a user (token subject) at
 * its limit of open connections is closed with 4429 at connection_init, saying so. `clock` tells
 * when the token expires (the verifier's clock).
 */
export function websocketAuthentication(
  verifier: TokenVerifier,
  connections?: ConnectionLimit,
  clock: Clock = systemClock,
): Pick<ServerOptions<Record<string, unknown> | undefined, ConnectionExtra & { socket: ExpiringSocket }>, 'onConnect' | 'onClose'> {
  return {
    async onConnect(ctx) {
      const authorization = ctx.connectionParams?.authorization;
      const { socket } = ctx.extra;
      try {
        if (typeof authorization !== 'string') throw new AuthenticationError('Sign in: send connectionParams.authorization');
        const principal = await verifier.verify(authorization);
        // The socket may have closed while the token was checked: onClose ran already, so arm nothing.
        if (socket.readyState !== undefined && socket.readyState !== OPEN) return false;
        const tooMany = connections?.admit(ctx, principal.userId);
        if (tooMany) {
          socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, tooMany);
          return false;
        }
        ctx.extra.principal = principal;
        ctx.extra.expiryTimer = clock.setTimer(principal.expiresAt, () => closeExpired(socket));
        return true;
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        socket.close(UNAUTHORIZED_CLOSE_CODE, error.message.slice(0, 120));
        return false;
      }
    },
    onClose(ctx) {
      connections?.release(ctx);
      ctx.extra.expiryTimer?.cancel();
    },
  };
}

/**
 * Checked at every operation a WebSocket starts: the connection's token must still be valid then
 * (the expiry timer may not have fired yet, and a peer may ignore the close). An expired token closes
 * the connection and refuses the operation with UNAUTHENTICATED.
 */
export function expiredTokenRefusal(extra: ConnectionExtra & { socket: ExpiringSocket }, now = Date.now()): GraphQLError[] | undefined {
  if (extra.principal === undefined || extra.principal.expiresAt > now) return undefined;
  closeExpired(extra.socket);
  return [new GraphQLError('The token has expired; sign in again', { extensions: { code: 'UNAUTHENTICATED' } })];
}

type ExpiringSocket = { close(code: number, reason: string): void; terminate?(): void; readyState?: number };

/** ws's WebSocket.OPEN. */
const OPEN = 1;

/** Closes with 4401, and drops the socket after a short grace if the peer does not take the close. */
function closeExpired(socket: ExpiringSocket): void {
  socket.close(UNAUTHORIZED_CLOSE_CODE, 'Token expired');
  if (socket.terminate) setTimeout(() => socket.terminate!(), EXPIRED_SOCKET_GRACE_MS).unref();
}
