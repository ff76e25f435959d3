import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/server/config.js';
import { type OrderstreamServer, startServer } from '../../src/server/server.js';
import { ADMIN, bearer, TEST_AUTH } from '../support/auth.js';
import { LEVEL, logCapture } from '../support/logCapture.js';
import { referenceOrder } from '../support/orders.js';
import { RawGraphQLSocket } from '../support/rawSocket.js';
import { newTempDirectory, startTestServer, type TestServer } from '../support/startServer.js';

type Response = { data?: unknown; errors?: GraphQLFormattedError[] };

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Response }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(ADMIN), ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Response };
}

/** The first message for one operation on a new WebSocket connection. */
async function overWebSocket(wsUrl: string, body: unknown, connectionParams: Record<string, unknown> = {}): Promise<Response> {
  const socket = await RawGraphQLSocket.open(wsUrl, { authorization: await bearer(ADMIN), ...connectionParams });
  socket.subscribe('1', JSON.stringify(body));
  const message = await socket.next('1');
  socket.close();
  if (message?.type === 'error') return { errors: message.payload };
  if (message?.type === 'next') return message.payload;
  throw new Error(`No answer: ${JSON.stringify(message)}`);
}

const introspection = { query: '{ __schema { queryType { name } } }' };

describe('Order service in production (NODE_ENV=production)', () => {
  let server: OrderstreamServer;

  beforeAll(async () => {
    server = await startServer({
      ...DEFAULT_CONFIG,
      port: 0,
      host: '127.0.0.1',
      databaseFile: join(newTempDirectory(), 'orderstream.db'),
      auth: TEST_AUTH,
      developmentTokens: false,
      production: true,
      log: { level: 'silent', format: 'json' },
    });
  });
  afterAll(() => server.close());

  it('should refuse introspection over HTTP and WebSocket alike', async () => {
    const overHttp = await postJson(server.url, introspection);
    const overWs = await overWebSocket(server.wsUrl, introspection);
    for (const { errors } of [overHttp.body, overWs]) {
      expect(errors).toEqual([
        {
          message: 'Introspection is disabled on this server; the document asks for __schema',
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        },
      ]);
    }
    expect(overHttp.status).toBe(400);
  });

  it('should still serve ordinary operations', async () => {
    const { body } = await postJson(server.url, { query: 'query { order(id: "none") { id } }' });
    expect(body).toEqual({ data: { order: null } });
  });
});

describe('Order service outside production', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('should answer introspection over HTTP and WebSocket alike', async () => {
    expect((await postJson(server.url, introspection)).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect(await overWebSocket(server.wsUrl, introspection)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('should refuse a request a browser could send cross-site without a preflight (CSRF prevention)', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: await bearer(ADMIN) },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
  });
});

describe('Order service when storage fails under a query', () => {
  let server: TestServer;
  const log = logCapture();

  beforeAll(async () => {
    server = await startTestServer({ config: { log: { level: 'info', format: 'json', destination: log.destination } } });
    const { status } = await postJson(server.url, {
      query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      variables: { input: referenceOrder() },
    });
    expect(status).toBe(200);
    // Break the read side behind the server's back: every customer query now fails inside SQLite.
    const db = new Database(server.databaseFile);
    db.exec('DROP VIEW customer_summaries');
    db.close();
  });
  afterAll(() => server.dispose());
  beforeEach(() => void log.lines.splice(0));

  const customerQuery = { query: '{ customer(id: "cust-1") { id orderCount } }' };

  function expectMasked(response: Response): void {
    expect(response.errors).toEqual([
      { message: 'Internal server error', locations: expect.any(Array), path: ['customer'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(JSON.stringify(response)).not.toMatch(/customer_summaries|sqlite|no such table|stack|\.ts:/i);
  }

  function expectLoggedWith(correlationId: string): void {
    const logged = log.lines.find((line) => line.level === LEVEL.error && line.correlationId === correlationId);
    expect(logged, JSON.stringify(log.lines)).toBeDefined();
    expect(logged!.msg).toBe(`Internal error at customer (correlation id ${correlationId})`);
    const err = logged!.err as { message: string; stack: string };
    expect(err.message).toMatch(/no such table: customer_summaries/);
    expect(err.stack).toBeTruthy();
  }

  it('should mask the error over HTTP and log it with the correlation id', async () => {
    const { body } = await postJson(server.url, customerQuery, { 'x-correlation-id': 'broken-http-1' });
    expectMasked(body);
    expectLoggedWith('broken-http-1');
  });

  it('should mask the error over WebSocket and log it with the correlation id', async () => {
    const response = await overWebSocket(server.wsUrl, customerQuery, { correlationId: 'broken-ws-1' });
    expectMasked(response);
    expectLoggedWith('broken-ws-1');
  });

  it('should log no client error', async () => {
    const badInput = {
      query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      variables: { input: referenceOrder({ customerId: 'cust 1' }) },
    };
    expect((await postJson(server.url, badInput)).body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await overWebSocket(server.wsUrl, badInput)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(log.lines.filter((line) => line.level >= LEVEL.error)).toEqual([]);
  });
});
