import { timeOrderedId } from '../eventstore/timeOrderedId.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import helmet from 'helmet';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { TokenVerifier } from '../auth/tokens.js';
import { systemClock } from '../clock/clock.js';
import { buildSchema } from '../graphql/buildSchema.js';
import type { Caller } from '../auth/access.js';
import type { GraphQLContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import { internalErrorLogging } from '../graphql/internalErrors.js';
import { operationLogging } from '../graphql/operationLog.js';
import { costWithVariables } from '../graphql/limits/costWithVariables.js';
import { graphqlLimits } from '../graphql/limits/index.js';
import { subscribeSharingExecution } from '../graphql/sharedExecution.js';
import { subscriptionLimit, websocketHooks } from '../graphql/websocketHooks.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { startTracing } from '../observability/tracing.js';
import { type ConnectionExtra, expiredTokenRefusal, requireToken, websocketAuthentication } from './authentication.js';
import { boundedRequest } from './boundedRequest.js';
import { assertTokenKeyAllowed, type ServerConfig } from './config.js';
import { ConnectionLimit } from './connectionLimit.js';
import { cors, STREAM_REQUESTS, verifyWebSocketOrigin } from './cors.js';
import { healthRoutes } from './health.js';
import { ServerMetrics } from './metrics.js';
import { requestBodyErrors } from './requestBody.js';
import { traceRequests, tracedExecute } from './requestTracing.js';
import { type OperationHooks, sseTransport } from './sseTransport.js';
import { webRoutes } from './web/webRoutes.js';
import { NATS_PUBLISHER, openServices, type RunningServices } from './services.js';

const GRAPHQL_PATH = '/graphql';
/** GraphQL over Server-Sent Events (graphql-sse's usual path). */
const SSE_PATH = '/graphql/stream';
/** A WebSocket that sends no connection_init this soon is closed with 4408. */
const CONNECTION_INIT_TIMEOUT_MS = 3_000;
const CORRELATION_ID = /^[\w.:-]{1,100}$/;
/** How long a stalled subscriber's socket gets to take its close frame before it is dropped. */
const SLOW_SOCKET_GRACE_MS = 5_000;
/**
 * How long an idle kept-alive HTTP connection stays open (announced in `Keep-Alive: timeout`; Node
 * closes it a second later). Node's 5 s default is shorter than proxies' and load balancers' idle
 * timeouts (60 s), and fetch (undici) drops an idle socket only 2-3 s before we close it: a client
 * whose event loop stalls that long sends its next request, a mutation maybe, on a socket as we
 * close it, and reads ECONNRESET (issue 23). At 65 s that takes a connection left idle for a minute.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export type OrderstreamServer = {
  /** http://host:port/graphql */
  url: string;
  /** ws://host:port/graphql */
  wsUrl: string;
  port: number;
  services: RunningServices;
  /** The server's logger (config.log): JSON lines, or pretty ones in development. */
  logger: Logger;
  /** Stops accepting, closes WebSockets (1001), drains HTTP, then closes the database. */
  close(): Promise<void>;
};

/** HTTP (Apollo) and WebSocket (graphql-ws) on one port and path, over one set of services. */
export async function startServer(config: ServerConfig): Promise<OrderstreamServer> {
  assertTokenKeyAllowed(config);
  const tokenClock = config.tokenClock ?? systemClock;
  const verifier = new TokenVerifier(config.auth, tokenClock);
  const logger = createLogger(config.log);
  // Before anything that could start a span.
  const tracingStarted = config.tracing ? startTracing(config.tracing) : undefined;
  const metrics = new ServerMetrics();
  const services = await openServices(config, {
    logger,
    observeCommand: metrics.observeCommand,
    observeReplayRead: metrics.countReplayRead,
    observePacedLogRead: metrics.countPacedLogRead,
  });
  const schema = await buildSchema();
  // Token, depth, alias and cost limits and introspection, the same for HTTP and WebSocket.
  const limits = graphqlLimits(config);
  const app = express();
  const httpServer = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, app);

  const wsServer = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: config.maxMessageBytes,
    // A page from an origin CORS_ORIGINS does not list is refused (403) before the socket opens.
    verifyClient: verifyWebSocketOrigin(config.corsOrigins),
  });
  metrics.watchWebSockets(wsServer);
  const observer = {
    logger,
    countSubscription: metrics.countSubscription,
    countLimitRefusal: metrics.countLimitRefusal,
    countRefusal: metrics.countRefusal,
  };
  // One count of each user's subscriptions and connections, over WebSocket and SSE together.
  const subscriptions = subscriptionLimit(limits, observer);
  const connections = new ConnectionLimit(config.maxConnectionsPerUser, () => metrics.countLimitRefusal('connections_per_user'));
  const operationHooks = websocketHooks(schema, limits, { ...observer, countParse: () => metrics.countParse('ws') }, { subscriptions });
  // One execution per change for every subscriber asking the same thing, not one per subscriber.
  const subscribe = subscribeSharingExecution(metrics.countSubscriptionExecution);
  const wsCleanup = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      context: (ctx, _id, payload): GraphQLContext => ({
        ...contextFor(
          services,
          { principal: ctx.extra.principal, authError: undefined },
          ctx.connectionParams?.correlationId ?? ctx.extra.request.headers['x-correlation-id'],
        ),
        closeConnection: (code, reason) => closeSlowSocket(ctx.extra.socket, code, reason),
        traceparent: stringOr(payload.extensions?.traceparent, ctx.connectionParams?.traceparent),
      }),
      execute: tracedExecute,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      subscribe,
      ...websocketAuthentication(verifier, connections, tokenClock),
      ...operationHooks,
      // The token is checked again at every operation: it may have expired since connection_init.
      onSubscribe(ctx, id, payload) {
        const expired = expiredTokenRefusal(ctx.extra, tokenClock.now());
        if (expired) metrics.countRefusal('token_expired');
        return expired ?? operationHooks.onSubscribe!(ctx, id, payload);
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    // Never, not even in development: formatError masks internal errors, which are logged instead.
    includeStacktraceInErrorResponses: false,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // Apollo's own check stays off: in production limits.validationRules refuses introspection, on both transports.
    introspection: true,
    csrfPrevention: true,
    // We drain and close ourselves (see close below); Apollo's handlers would re-raise the signal first.
    stopOnTerminationSignals: false,
    plugins: [
      internalErrorLogging(logger),
      operationLogging(logger),
      costWithVariables(limits.cost),
      { requestDidStart: async () => ({ parsingDidStart: async () => metrics.countParse('http') }) },
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      { serverWillStart: async () => ({ drainServer: async () => void (await wsCleanup.dispose()) }) },
    ],
  });
  await apollo.start();

  // helmet's baseline headers on every answer (no X-Powered-By; COOP, CORP, HSTS, nosniff, no referrer,
  // no framing); the Content-Security-Policy is the page's and the explorer's own (src/server/web/securityHeaders.ts).
  app.use(helmet({ contentSecurityPolicy: false, frameguard: { action: 'deny' } }));
  // The dashboard at / and GraphiQL at /graphiql (src/server/web/).
  app.use(webRoutes(config));
  // /healthz, /readyz and /metrics: no token asked, so keep them off the public network.
  app.use(healthRoutes({ services, metrics, maxLagEvents: config.readyMaxLagEvents, unchecked: [NATS_PUBLISHER], logger }));
  // Both GraphQL endpoints, after CORS: the token (a request without a valid one is refused before its
  // body is even read), then the body within its limits.
  const guarded = [
    requireToken(verifier, () => metrics.countRefusal('unauthenticated')),
    express.json({ limit: config.maxMessageBytes }),
    boundedRequest(limits.variableBounds, metrics.countRefusal),
  ];
  // Subscriptions over Server-Sent Events, for clients and proxies that refuse WebSocket upgrades.
  // Before /graphql, whose middleware would take every path under it.
  app.use(
    SSE_PATH,
    cors(config.corsOrigins, STREAM_REQUESTS),
    ...guarded,
    sseTransport({
      hooks: websocketHooks(
        schema,
        limits,
        { ...observer, countParse: () => metrics.countParse('sse') },
        { transport: 'sse', subscriptions },
      ) as OperationHooks,
      subscribe,
      context: (caller, correlationId, closeConnection) => ({ ...contextFor(services, caller, correlationId), closeConnection }),
      connections,
      clock: tokenClock,
      reservationTimeoutMs: config.sseReservationTimeoutMs,
    }),
  );
  app.use(
    GRAPHQL_PATH,
    cors(config.corsOrigins),
    ...guarded,
    // While tracing is on (streams over SSE live for hours: not traced).
    traceRequests(),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => contextFor(services, res.locals.caller as Caller, req.headers['x-correlation-id']),
    }),
  );
  // A body over the limit or not JSON: a GraphQL-shaped BAD_REQUEST rather than express's HTML page.
  app.use(GRAPHQL_PATH, requestBodyErrors);
  app.use(SSE_PATH, requestBodyErrors);

  const port = await listen(httpServer, config.port, config.host);
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    wsUrl: `ws://${host}:${port}${GRAPHQL_PATH}`,
    port,
    services,
    logger,
    async close() {
      await apollo.stop();
      await services.close();
      await tracingStarted?.stop();
    },
  };
}

/** The first of `values` that is a string. */
function stringOr(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string');
}

function contextFor(services: RunningServices, caller: Caller, correlationId: unknown): GraphQLContext {
  return {
    ...services,
    ...caller,
    correlationId: typeof correlationId === 'string' && CORRELATION_ID.test(correlationId) ? correlationId : timeOrderedId(),
  };
}

/**
 * Closes a socket whose subscriber stalled. A peer that does not read never gets the close frame,
 * so after a grace period the socket is dropped and what it still had queued is freed.
 */
function closeSlowSocket(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), SLOW_SOCKET_GRACE_MS).unref();
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
