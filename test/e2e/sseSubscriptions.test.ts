import { print } from 'graphql';
import { type Client, createClient, type ExecutionResult } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdersChangedDocument, PlaceOrderDocument, ReceivePaymentDocument } from '../generated/graphql.js';
import { ADMIN, bearer, type TestUser } from '../support/auth.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';
import { waitUntil } from '../support/subscriptionReading.js';

type OrderChange = { id: string; version: number; position: number };
type Refusal = { errors: { message: string; extensions: { code: string } }[] };
/** The JSON body of a refused request. */
const refusalOf = async (response: Response) => (await response.json()) as Refusal;

describe('Subscriptions over Server-Sent Events (graphql-sse)', () => {
  let server: TestServer;
  let streamUrl: string;
  const clients = new Set<Client<boolean>>();
  beforeAll(async () => {
    server = await startTestServer({ config: { maxConnectionsPerUser: 3, maxSubscriptionsPerUser: 4 } });
    streamUrl = `${server.url}/stream`;
  });
  afterAll(async () => {
    for (const client of clients) client.dispose();
    await server.dispose();
  });

  async function sseClient(user: TestUser, singleConnection = true): Promise<Client<boolean>> {
    const authorization = await bearer(user);
    const client = createClient({ url: streamUrl, singleConnection, headers: { authorization }, retryAttempts: 0 });
    clients.add(client);
    return client;
  }
  const place = async (orderId: string) =>
    (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId }) })).placeOrder;
  const pay = (orderId: string) =>
    requestData(server.url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount: '109.97', method: 'card' } });

  /** The next `count` changes a subscription delivers. */
  async function take(iterator: AsyncIterator<ExecutionResult<Record<string, unknown>, unknown>>, count: number): Promise<OrderChange[]> {
    const changes: OrderChange[] = [];
    while (changes.length < count) {
      const { value, done } = await iterator.next();
      if (done) throw new Error(`The subscription ended after ${changes.length} changes`);
      expect(value.errors).toBeUndefined();
      const { id, version, position } = value.data!.ordersChanged as OrderChange;
      changes.push({ id, version, position });
    }
    return changes;
  }

  it('should deliver order changes live over one stream, and resume after a position with exactly what was missed', async () => {
    const first = await sseClient(ADMIN);
    const live = first.iterate({ query: print(OrdersChangedDocument), variables: {} });
    const reading = take(live, 2);
    await waitUntil(() => server.services.orderChanges.subscriberCount >= 1);
    await place('sse-a');
    await pay('sse-a');
    const seen = await reading;
    expect(seen.map(({ id, version }) => [id, version])).toEqual([
      ['sse-a', 1],
      ['sse-a', 2],
    ]);
    await live.return?.();
    first.dispose();

    // While away.
    await place('sse-b');
    await pay('sse-b');
    const again = await sseClient(ADMIN);
    const resumed = again.iterate({ query: print(OrdersChangedDocument), variables: { afterPosition: seen[1]!.position } });
    const missed = await take(resumed, 2);
    expect(missed.map(({ id, version }) => [id, version])).toEqual([
      ['sse-b', 1],
      ['sse-b', 2],
    ]);
    expect(missed[0]!.position).toBeGreaterThan(seen[1]!.position);
    await resumed.return?.();
  });

  it('should work in distinct connections mode too, each subscription its own stream', async () => {
    const client = await sseClient(ADMIN, false);
    const changes = client.iterate({ query: print(OrdersChangedDocument), variables: {} });
    const reading = take(changes, 1);
    await waitUntil(() => server.services.orderChanges.subscriberCount >= 1);
    await place('sse-distinct');
    expect((await reading)[0]!.id).toBe('sse-distinct');
    await changes.return?.();
  });

  it('should refuse a request without a token before anything else, as /graphql does', async () => {
    const reserve = await fetch(streamUrl, { method: 'PUT' });
    expect(reserve.status).toBe(401);
    expect((await refusalOf(reserve)).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const stream = await fetch(streamUrl, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(OrdersChangedDocument) }),
    });
    expect(stream.status).toBe(401);
  });

  it("should keep one user's stream from another: its token names no stream for anyone else", async () => {
    const owner = await bearer({ role: 'customer', customerId: 'cust-sse-1' });
    const reserved = await fetch(streamUrl, { method: 'PUT', headers: { authorization: owner } });
    expect(reserved.status).toBe(201);
    const token = await reserved.text();

    const stranger = await bearer({ role: 'customer', customerId: 'cust-sse-2' });
    const taken = await fetch(`${streamUrl}?token=${token}`, { headers: { authorization: stranger, accept: 'text/event-stream' } });
    expect(taken.status).toBe(404);
    expect((await refusalOf(taken)).errors[0]!.extensions.code).toBe('NOT_FOUND');
    const posted = await fetch(streamUrl, {
      method: 'POST',
      headers: { authorization: stranger, 'x-graphql-event-stream-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(OrdersChangedDocument), extensions: { operationId: '1' } }),
    });
    expect(posted.status).toBe(404);
    // The owner's stream is still there for the owner.
    const opened = await fetch(`${streamUrl}?token=${token}`, { headers: { authorization: owner, accept: 'text/event-stream' } });
    expect(opened.status).toBe(200);
    await opened.body?.cancel();
  });

  it('should refuse a request that is neither an event stream nor on a reserved stream, saying what to send', async () => {
    const authorization = await bearer(ADMIN);
    const response = await fetch(streamUrl, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(OrdersChangedDocument) }),
    });
    expect(response.status).toBe(400);
    const { errors } = await refusalOf(response);
    expect(errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(errors[0]!.message).toMatch(/Accept: text\/event-stream/);
  });

  it('should answer refusals over the stream with the codes the WebSocket gives', async () => {
    const client = await sseClient({ role: 'staff', sub: 'staff-sse-refusals' });
    const firstResult = async (query: string) => {
      for await (const result of client.iterate({ query })) return result;
      throw new Error('no result');
    };
    const query = await firstResult('query { orders(first: 1) { totalCount } }');
    expect(query.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(query.errors?.[0]?.message).toMatch(/send queries and mutations to \/graphql/);
    const invalid = await firstResult('subscription { ordersChanged { noSuchField } }');
    expect(invalid.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const unparsable = await firstResult('subscription {');
    expect(unparsable.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    // Counted as the SSE transport's, beside HTTP's and WebSocket's.
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metrics).toMatch(/orderstream_graphql_documents_parsed_total\{transport="sse"\} [1-9]/);
  });

  it("should count a user's streams with its WebSockets' limit, and its subscriptions over every stream", async () => {
    const user = { role: 'staff' as const, sub: 'staff-sse-limits' };
    const authorization = await bearer(user);
    const reservations = [];
    for (let n = 0; n < 3; n++) reservations.push(await fetch(streamUrl, { method: 'PUT', headers: { authorization } }));
    expect(reservations.map((response) => response.status)).toEqual([201, 201, 201]);
    const fourth = await fetch(streamUrl, { method: 'PUT', headers: { authorization } });
    expect(fourth.status).toBe(429);
    expect((await refusalOf(fourth)).errors[0]!.message).toMatch(/Too many connections/);

    // Four subscriptions in distinct streams are the user's limit; the fifth is refused.
    const client = await sseClient(user, false);
    const running = Array.from({ length: 4 }, () => client.iterate({ query: print(OrdersChangedDocument) }));
    const firstOf = running.map((iterator) => iterator.next());
    await waitUntil(() => server.services.orderChanges.subscriberCount >= 4);
    const fifth = client.iterate({ query: print(OrdersChangedDocument) });
    const refused = await fifth.next();
    expect(refused.value?.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(refused.value?.errors?.[0]?.message).toMatch(/active subscriptions over all its connections/);
    for (const iterator of running) void iterator.return?.();
    void Promise.allSettled(firstOf);
  });

  it('should end a stream when its token expires', async () => {
    const client = await sseClient({ role: 'staff', sub: 'staff-sse-expiring', expiresIn: '2s' });
    const changes = client.iterate({ query: print(OrdersChangedDocument) });
    // Nothing changes; the stream ends by itself once the token is past its expiry.
    const ended = await changes.next().then(
      (result) => (result.done ? 'completed' : 'a result'),
      () => 'closed',
    );
    expect(ended).not.toBe('a result');
  });

  it("should drop a reserved stream nobody opens, giving its user's connection back", async () => {
    const quick = await startTestServer({ config: { maxConnectionsPerUser: 1, sseReservationTimeoutMs: 200 } });
    try {
      const authorization = await bearer({ role: 'staff', sub: 'staff-sse-abandoned' });
      const url = `${quick.url}/stream`;
      const first = await fetch(url, { method: 'PUT', headers: { authorization } });
      expect(first.status).toBe(201);
      const token = await first.text();
      expect((await fetch(url, { method: 'PUT', headers: { authorization } })).status).toBe(429);
      // Never opened: after the timeout the slot is free, and the token names no stream any more.
      await expect.poll(async () => (await fetch(url, { method: 'PUT', headers: { authorization } })).status, { timeout: 5_000 }).toBe(201);
      const late = await fetch(`${url}?token=${token}`, { headers: { authorization, accept: 'text/event-stream' } });
      expect(late.status).toBe(404);
    } finally {
      await quick.dispose();
    }
  });
});
