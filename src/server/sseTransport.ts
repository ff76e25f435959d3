import { randomUUID } from 'node:crypto';
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express';
import { type ExecutionArgs, getOperationAST, GraphQLError, type GraphQLFormattedError } from 'graphql';
import {
  createHandler,
  type OperationResult,
  type Request as SseRequest,
  type RequestParams,
  type Response as SseResponse,
} from 'graphql-sse';
import type { ServerOptions } from 'graphql-ws';
import type { Caller } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock/clock.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { ConnectionLimit } from './connectionLimit.js';

/** The operation hooks graphql-ws runs (websocketHooks): the same limits, errors and log lines over SSE. */
export type OperationHooks = Required<Pick<ServerOptions, 'onSubscribe' | 'onOperation' | 'onNext' | 'onError' | 'onComplete'>>;

/** How long a reserved stream (PUT) may wait for its event stream (GET) before it is dropped. */
const RESERVATION_TIMEOUT_MS = 30_000;
const STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';
/** Messages a stream may hold unsent (its client not reading) before it is dropped. */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

export type SseTransportOptions = {
  hooks: OperationHooks;
  /** Runs a subscription (subscribeSharingExecution, as on WebSocket). */
  subscribe: (args: ExecutionArgs) => OperationResult;
  /** The context of one operation; `closeConnection` ends the stream it is sent on. */
  context: (caller: Caller, correlationId: unknown, closeConnection: () => void) => GraphQLContext;
  /** A user's open streams count with its WebSockets. */
  connections: ConnectionLimit;
  clock: Clock;
  reservationTimeoutMs?: number;
};

/** What the hooks know of a connection: graphql-ws's shape (its operations in flight, its principal). */
type Connection = { subscriptions: Record<string, unknown>; extra: { principal: Principal } };
/** A reserved stream (single connection mode): whose it is, and its event stream once connected. */
type Stream = { userId: string; connection: Connection; response?: ExpressResponse; reservation?: NodeJS.Timeout };
type Operation = { connection: Connection; id: string; payload: RequestParams; refused: boolean };

type Raw = ExpressRequest;
type Context = { res: ExpressResponse };

/**
 * Subscriptions over Server-Sent Events (the GraphQL over SSE protocol, graphql-sse), for clients and
 * proxies that refuse WebSocket upgrades. Single connection mode (PUT reserves a stream, GET opens it,
 * POST starts an operation on it, DELETE ends one) and distinct connections mode (a POST that accepts
 * text/event-stream is its own stream) both work. Mounted behind requireToken: every request brings
 * the bearer token, a stream is its reserver's alone, and a stream ends when the token expires.
 * Operations pass the WebSocket's hooks, so parsing, validation, limits (subscriptions per connection
 * and per user, open connections per user), errors and log lines are the same; only subscriptions
 * are served here (queries and mutations go to /graphql).
 */
export function sseTransport(options: SseTransportOptions): RequestHandler {
  const streams = new Map<string, Stream>();
  const operations = new WeakMap<Raw, Operation>();
  const { hooks } = options;
  const principalOf = (req: SseRequest<Raw, Context>): Principal => (req.context.res.locals.caller as Caller).principal!;
  const tokenOf = (req: SseRequest<Raw, Context>): string | undefined =>
    req.headers.get(STREAM_TOKEN_HEADER) ?? new URL(req.url, 'http://localhost/').searchParams.get('token') ?? undefined;

  const release = (token: string) => {
    const stream = streams.get(token);
    if (!stream) return;
    streams.delete(token);
    clearTimeout(stream.reservation);
    options.connections.release(stream.connection);
  };

  const handler = createHandler<Raw, Context, GraphQLContext>({
    // The hooks validated the document already, with the server's rules.
    validate: () => [],
    subscribe: options.subscribe,
    authenticate(req) {
      const principal = principalOf(req);
      if (req.method === 'PUT') {
        const token = randomUUID();
        const connection = newConnection(principal);
        const tooMany = options.connections.admit(connection, principal.userId);
        if (tooMany) return refusal(429, 'Too Many Requests', tooMany, 'BAD_REQUEST');
        const reservation = setTimeout(() => {
          // Never connected: graphql-sse keeps the reservation until its stream opens and closes.
          void handler(internalOpen(token, req.context)).then(([body]) => (typeof body === 'object' ? body?.return() : undefined));
          release(token);
        }, options.reservationTimeoutMs ?? RESERVATION_TIMEOUT_MS);
        reservation.unref();
        streams.set(token, { userId: principal.userId, connection, reservation });
        return token;
      }
      const token = tokenOf(req);
      if (token === undefined) {
        // Distinct connections mode: this request is its own stream. Anything else needs a reserved stream.
        if (req.headers.get('accept') === 'text/event-stream') return null;
        return refusal(400, 'Bad Request', 'Send Accept: text/event-stream, or reserve a stream with PUT and name it', 'BAD_REQUEST');
      }
      const stream = streams.get(token);
      if (!stream || stream.userId !== principal.userId)
        return refusal(404, 'Not Found', 'No such stream: reserve one with PUT first', 'NOT_FOUND');
      return token;
    },
    onConnect(req) {
      const token = tokenOf(req);
      const stream = token === undefined ? undefined : streams.get(token);
      if (!stream || stream.response) return;
      clearTimeout(stream.reservation);
      stream.response = req.context.res;
      req.context.res.once('close', () => release(token!));
    },
    onSubscribe(req, params) {
      const principal = principalOf(req);
      const token = tokenOf(req);
      const stream = token === undefined ? undefined : streams.get(token);
      const connection = stream?.connection ?? newConnection(principal);
      const id = stream ? String(params.extensions?.operationId) : randomUUID();
      const operation: Operation = { connection, id, payload: params, refused: false };
      operations.set(req.raw, operation);
      const payload = { ...params, variables: params.variables ?? null, extensions: params.extensions ?? null };
      const prepared = hooks.onSubscribe(asContext(connection), id, payload) as GraphQLError[] | ExecutionArgs | undefined;
      const refuse = (errors: readonly GraphQLError[]) => {
        operation.refused = true;
        // Sent as they are (graphql-sse serializes a result with JSON.stringify); `data` marks it a result.
        const formatted = hooks.onError(asContext(connection), id, payload, errors) as GraphQLFormattedError[];
        return { data: null, errors: formatted } as unknown as OperationResult;
      };
      if (Array.isArray(prepared)) return refuse(prepared);
      const args = prepared!;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'subscription') {
        return refuse([
          new GraphQLError('Only subscriptions are served over Server-Sent Events; send queries and mutations to /graphql', {
            extensions: { code: 'BAD_REQUEST' },
          }),
        ]);
      }
      connection.subscriptions[id] = true;
      const caller: Caller = { principal, authError: undefined };
      // The event stream the operation's results go out on (a reserved stream may open after the POST).
      const closeStream = () => void (stream ? stream.response?.end() : req.context.res.end());
      return { ...args, contextValue: options.context(caller, req.headers.get('x-correlation-id'), closeStream) };
    },
    onOperation(_ctx, req, args) {
      const operation = operations.get(req.raw);
      if (operation) hooks.onOperation(asContext(operation.connection), operation.id, operation.payload as never, args, undefined as never);
    },
    async onNext(_ctx, req, result) {
      const operation = operations.get(req.raw);
      // A refusal's errors were formatted already (onSubscribe).
      if (!operation || operation.refused) return undefined;
      return (await hooks.onNext(
        asContext(operation.connection),
        operation.id,
        operation.payload as never,
        undefined as never,
        result as never,
      )) as never;
    },
    onComplete(_ctx, req) {
      const operation = operations.get(req.raw);
      if (!operation) return;
      delete operation.connection.subscriptions[operation.id];
      if (!operation.refused) hooks.onComplete(asContext(operation.connection), operation.id, operation.payload as never);
    },
  });

  return async (req, res, next) => {
    const principal = (res.locals.caller as Caller).principal!;
    // Every stream (an event stream, or a POST answered as one) ends when its token expires.
    const expiry = options.clock.setTimer(principal.expiresAt, () => void res.end());
    res.once('close', () => expiry.cancel());
    try {
      const [body, init] = await handler(requestOf(req, res));
      await send(res, body, init);
    } catch (error) {
      next(error);
    }
  };
}

/** A connection's record; its operations by the ids clients chose, so no inherited key ("constructor") may pass for one. */
function newConnection(principal: Principal): Connection {
  return { subscriptions: Object.create(null) as Record<string, unknown>, extra: { principal } };
}

/** graphql-ws's context type, for hooks that read only `subscriptions` and `extra.principal`. */
function asContext(connection: Connection): never {
  return connection as never;
}

function requestOf(req: ExpressRequest, res: ExpressResponse): SseRequest<Raw, Context> {
  return {
    method: req.method,
    url: req.originalUrl,
    headers: {
      get: (key) =>
        Array.isArray(req.headers[key]) ? (req.headers[key] as string[]).join('\n') : (req.headers[key] as string | undefined),
    },
    // express.json parsed it (within the server's size limit).
    body: (req.body as Record<string, unknown> | undefined) ?? null,
    raw: req,
    context: { res },
  };
}

/** A request the transport makes of itself: open a stream only to close it (see the reservation timeout). */
function internalOpen(token: string, context: Context): SseRequest<Raw, Context> {
  return {
    method: 'GET',
    url: `/?token=${token}`,
    headers: { get: (key) => (key === 'accept' ? 'text/event-stream' : undefined) },
    body: null,
    raw: {} as Raw,
    context,
  };
}

function refusal(status: number, statusText: string, message: string, code: string): SseResponse {
  return [
    JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    { status, statusText, headers: { 'content-type': 'application/json; charset=utf-8' } },
  ];
}

/**
 * Writes graphql-sse's answer: a body, or an event stream until it ends or the client leaves. graphql-sse
 * takes every message from the subscriptions at once, so a client that stops reading would make its
 * unsent messages pile up here: past MAX_UNSENT_BYTES its stream is dropped, as a stalled WebSocket
 * subscriber's connection is, and the client resumes from the last position it received.
 */
async function send(res: ExpressResponse, body: SseResponse[0], init: SseResponse[1]): Promise<void> {
  res.writeHead(init.status, init.statusText, init.headers);
  if (!body || typeof body === 'string') {
    res.end(body ?? undefined);
    return;
  }
  res.once('close', () => void body.return());
  for await (const message of body) {
    if (!res.writable) break;
    res.write(message);
    if (res.writableLength > MAX_UNSENT_BYTES) {
      res.destroy();
      break;
    }
  }
  res.end();
}
