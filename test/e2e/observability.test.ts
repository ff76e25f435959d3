import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderUpdatedDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { request, requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { LEVEL, type LogLine, logCapture } from '../support/logCapture.js';
import { referenceOrder } from '../support/orders.js';
import { type Exposition, parsePrometheusText } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

/** The server's root (http://host:port), where /healthz, /readyz and /metrics live. */
const rootOf = (server: TestServer) => new URL(server.url).origin;

async function scrape(server: TestServer): Promise<Exposition> {
  const response = await fetch(`${rootOf(server)}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let value = await probe();
  for (let attempt = 0; attempt < 200 && !done(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  if (!done(value)) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
  return value;
}

const commands = (metrics: Exposition, command: string, outcome: string) =>
  metrics.value('orderstream_commands_total', { command, outcome }) ?? 0;

describe('Order service health, metrics and logs', () => {
  let server: TestServer;
  const log = logCapture();
  const linesWith = (correlationId: string) => log.lines.filter((line) => line.correlationId === correlationId);

  beforeAll(async () => {
    server = await startTestServer({ config: { log: { level: 'info', format: 'json', destination: log.destination } } });
  });
  afterAll(() => server.dispose());

  it('should answer /healthz without a token', async () => {
    const response = await fetch(`${rootOf(server)}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('should count a command by type and outcome, its latency and its events', async () => {
    const before = await scrape(server);
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const placed = await scrape(server);
    expect(commands(placed, 'PlaceOrder', 'ok') - commands(before, 'PlaceOrder', 'ok')).toBe(1);
    const appended = (metrics: Exposition) => metrics.value('orderstream_events_appended_total', { type: 'OrderPlaced' }) ?? 0;
    expect(appended(placed) - appended(before)).toBe(1);

    // The same order id again: refused with CONFLICT, and counted under that code.
    const refused = await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: placeOrder.id }) });
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const after = await scrape(server);
    expect(commands(after, 'PlaceOrder', 'CONFLICT') - commands(placed, 'PlaceOrder', 'CONFLICT')).toBe(1);
    expect(commands(after, 'PlaceOrder', 'ok')).toBe(commands(placed, 'PlaceOrder', 'ok'));
    const timed = (metrics: Exposition) => metrics.value('orderstream_command_duration_seconds_count', { command: 'PlaceOrder' }) ?? 0;
    expect(timed(after) - timed(before)).toBe(2);
    expect(after.families.get('orderstream_command_duration_seconds')?.type).toBe('histogram');
    expect(after.value('orderstream_command_duration_seconds_bucket', { command: 'PlaceOrder', le: '+Inf' })).toBe(timed(after));
  });

  it('should count the commands the order process sends too', async () => {
    // p1 and p2 are unknown to inventory: the process's reservations are refused with NOT_FOUND.
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const metrics = await eventually(
      () => scrape(server),
      (m) => commands(m, 'ReserveStock', 'NOT_FOUND') >= 2,
      'ReserveStock to be counted',
    );
    expect(commands(metrics, 'ReserveStock', 'NOT_FOUND')).toBeGreaterThanOrEqual(2);
  });

  it("should report each read model's and process's position and lag, and Node's own metrics", async () => {
    const head = await server.services.store.headPosition();
    const metrics = await eventually(
      () => scrape(server),
      (m) => m.value('orderstream_process_lag_events', { name: 'orderFulfilment' }) === 0,
      'the order process to catch up',
    );
    const names = (await server.services.projections.status()).map((status) => status.name);
    expect(names).toContain('orderView');
    for (const name of names) {
      expect(metrics.value('orderstream_projection_lag_events', { name }), name).toBeGreaterThanOrEqual(0);
      expect(metrics.value('orderstream_projection_position', { name }), name).toBeLessThanOrEqual(head);
      expect(metrics.value('orderstream_projection_lag_seconds', { name }), name).toBeGreaterThanOrEqual(0);
    }
    expect(metrics.value('orderstream_projection_state', { name: 'orderView', state: 'LIVE' })).toBe(1);
    expect(metrics.value('orderstream_projection_state', { name: 'orderView', state: 'FAILED' })).toBe(0);
    expect(metrics.value('orderstream_process_position', { name: 'orderFulfilment' })).toBe(head);
    expect(metrics.value('orderstream_process_state', { name: 'orderFulfilment', state: 'LIVE' })).toBe(1);
    expect(metrics.value('orderstream_event_log_head_position')).toBe(head);
    expect(metrics.families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(metrics.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('should count WebSocket connections, subscriptions and messages sent', async () => {
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const before = await scrape(server);
    expect(before.value('orderstream_websocket_connections')).toBe(0);
    expect(before.value('orderstream_websocket_subscriptions')).toBe(0);

    const client = wsClient(server.wsUrl, { correlationId: 'obs-ws-1' });
    const updates = subscribe(client, OrderUpdatedDocument, { id: placeOrder.id });
    expect((await updates.next()).value.data.orderUpdated.version).toBe(1);
    const during = await scrape(server);
    expect(during.value('orderstream_websocket_connections')).toBe(1);
    expect(during.value('orderstream_websocket_subscriptions')).toBe(1);
    // connection_ack and the first next, at least.
    const sent = (metrics: Exposition) => metrics.value('orderstream_websocket_messages_sent_total') ?? 0;
    expect(sent(during) - sent(before)).toBeGreaterThanOrEqual(2);

    await updates.return?.();
    await eventually(
      () => scrape(server),
      (m) => m.value('orderstream_websocket_subscriptions') === 0,
      'the subscription to end',
    );
    await client.dispose();
    await eventually(
      () => scrape(server),
      (m) => m.value('orderstream_websocket_connections') === 0,
      'the connection to close',
    );

    // A connection that closes with a subscription running ends it too.
    const dropped = wsClient(server.wsUrl);
    await subscribe(dropped, OrderUpdatedDocument, { id: placeOrder.id }).next();
    expect((await scrape(server)).value('orderstream_websocket_subscriptions')).toBe(1);
    await dropped.dispose();
    await eventually(
      () => scrape(server),
      (m) => m.value('orderstream_websocket_subscriptions') === 0 && m.value('orderstream_websocket_connections') === 0,
      "the dropped connection's subscription to end",
    );

    // The subscription's log line, written when it ended.
    const [line] = await eventually(
      async () => linesWith('obs-ws-1'),
      (lines) => lines.length > 0,
      "the subscription's log line",
    );
    expect(line).toMatchObject({
      level: LEVEL.info,
      transport: 'ws',
      operationName: 'OrderUpdated',
      operationType: 'subscription',
      outcome: 'ok',
      correlationId: 'obs-ws-1',
    });
    expect(line!.durationMs).toEqual(expect.any(Number));
  });

  it('should log one line per operation with its name, type, outcome, duration and correlation id', async () => {
    const { placeOrder } = await requestData(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder() },
      { 'x-correlation-id': 'obs-http-1' },
    );
    await request(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ orderId: placeOrder.id }) },
      { 'x-correlation-id': 'obs-http-2' },
    );

    const [ok, ...moreOk] = linesWith('obs-http-1').filter((line) => line.transport === 'http');
    expect(moreOk).toEqual([]);
    expect(ok).toMatchObject({
      level: LEVEL.info,
      operationName: 'PlaceOrder',
      operationType: 'mutation',
      outcome: 'ok',
      correlationId: 'obs-http-1',
    });
    expect(ok!.durationMs).toBeGreaterThan(0);
    expect(ok).not.toHaveProperty('errorCodes');

    const [refused] = linesWith('obs-http-2').filter((line) => line.transport === 'http');
    expect(refused).toMatchObject({ operationName: 'PlaceOrder', operationType: 'mutation', outcome: 'error', errorCodes: ['CONFLICT'] });
    expect(JSON.parse(JSON.stringify(refused)) as LogLine).toEqual(refused);
  });
});

describe('Order service readiness (/readyz)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const readyz = async () => {
    const startedAt = Date.now();
    const response = await fetch(`${rootOf(server)}/readyz`);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string; reason?: string }> };
    return { status: response.status, body, ms: Date.now() - startedAt };
  };

  it('should be ready when the database takes writes and the read models are caught up', async () => {
    const { status, body } = await eventually(readyz, ({ status }) => status === 200, 'readiness');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', checks: { database: { status: 'ok' }, projections: { status: 'ok', maxLagEvents: 1000 } } });
  });

  it('should answer 503 within a second while another connection holds the write lock, and 200 once it lets go', async () => {
    const locker = new Database(server.databaseFile);
    try {
      locker.exec('BEGIN EXCLUSIVE');
      // The write probe's result is reused for a second, so the change shows within that.
      const { status, body, ms } = await eventually(
        readyz,
        ({ body }) => body.checks.database?.status === 'failing',
        'unready while locked',
      );
      expect(status).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.checks.database).toEqual({ status: 'failing', reason: expect.stringMatching(/SQLITE_BUSY/) });
      expect(body.checks.projections!.status).toBe('ok');
      expect(ms).toBeLessThan(1000);
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    }
    const { status, body } = await eventually(readyz, ({ body }) => body.checks.database?.status === 'ok', 'ready once the lock is let go');
    expect(status).toBe(200);
    expect(body.checks.database).toEqual({ status: 'ok' });
  });
});
