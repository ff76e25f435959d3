import type { RequestHandler } from 'express';
import { type ExecutionArgs, execute } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { contextOf, inSpan, SpanKind, tracing } from '../observability/tracing.js';

/**
 * A span for each GraphQL request over HTTP while tracing is on, continuing the caller's trace when
 * it sends a W3C `traceparent` header; the command the request runs, its append and the events it
 * writes are under it. After the body is read: the operation's name is known, and the span is active
 * for what Apollo runs next.
 */
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    if (!tracing()) return next();
    const operationName = (req.body as { operationName?: unknown } | undefined)?.operationName;
    void inSpan(
      `${req.method} ${req.baseUrl}${typeof operationName === 'string' ? ` ${operationName}` : ''}`,
      (span) =>
        new Promise<void>((resolve) => {
          res.once('close', () => {
            span?.setAttribute('http.response.status_code', res.statusCode);
            resolve();
          });
          next();
        }),
      {
        parent: contextOf(req.headers.traceparent),
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.baseUrl, 'graphql.operation.name': String(operationName ?? '') },
      },
    );
  };
}

/**
 * graphql-ws's `execute` (queries and mutations over WebSocket) in a span while tracing is on, under
 * the traceparent the client sent with the operation (`extensions.traceparent`) or the connection
 * (`connectionParams.traceparent`), which the context carries.
 */
export function tracedExecute(args: ExecutionArgs): ReturnType<typeof execute> {
  if (!tracing()) return execute(args);
  const context = args.contextValue as Partial<GraphQLContext> | undefined;
  return inSpan(`graphql-ws ${args.operationName ?? 'operation'}`, async () => execute(args), {
    parent: contextOf(context?.traceparent),
    kind: SpanKind.SERVER,
  });
}
