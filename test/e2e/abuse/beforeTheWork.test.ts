import { join } from 'node:path';
import { print } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, bearer, TEST_AUTH } from '../../support/auth.js';
import { type ChildServer, startChildServer } from '../../support/childServer.js';
import '../../support/killChildServersAfterAll.js';
import { countEvents } from '../../support/eventLog.js';
import { requestData } from '../../support/graphqlClient.js';
import { referenceOrder } from '../../support/orders.js';
import { settled } from '../../support/processes.js';
import { parsePrometheusText, type Exposition } from '../../support/prometheus.js';
import { RawGraphQLSocket } from '../../support/rawSocket.js';
import { newTempDirectory } from '../../support/startServer.js';
import { PlaceOrderDocument } from '../../generated/graphql.js';

type Answer = { status?: number; closeCode?: number; errors?: { message: string; extensions?: Record<string, unknown> }[] };

const placeOrder = print(PlaceOrderDocument);
/** One object with `count` fields the input type does not have: coercion would report each, quoting the whole object. */
const unknownKeys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 1]));
const nestedList = (depth: number): unknown => (depth === 0 ? 1 : [nestedList(depth - 1)]);

/**
 * Each attack runs against a real `serve` process and is refused before the work it would cost:
 * the server's own counters show no document was parsed for it, nothing is written, every read
 * model and process stays LIVE, and the next honest request succeeds. No timing is asserted.
 */
describe('Requests refused before the work they would cost', () => {
  let server: ChildServer;
  let databaseFile: string;
  let root: string;
  let wsUrl: string;
  let admin: string;

  beforeAll(async () => {
    databaseFile = join(newTempDirectory(), 'orderstream.db');
    server = await startChildServer(databaseFile);
    root = server.url.replace(/\/graphql$/, '');
    wsUrl = server.url.replace(/^http/, 'ws');
    admin = await bearer(ADMIN);
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
  });
  afterAll(() => server.process.kill('SIGTERM'));

  const scrape = async (): Promise<Exposition> => parsePrometheusText(await (await fetch(`${root}/metrics`)).text());
  const parsed = (metrics: Exposition, transport: 'http' | 'ws') =>
    metrics.value('orderstream_graphql_documents_parsed_total', { transport }) ?? 0;
  const refused = (metrics: Exposition, reason: string) => metrics.value('orderstream_requests_refused_total', { reason }) ?? 0;

  async function overHttp(body: unknown, authorization?: string): Promise<Answer> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, ...((await response.json()) as Answer) };
  }

  async function overWebSocket(body: unknown, authorization = admin): Promise<Answer> {
    const socket = await RawGraphQLSocket.open(wsUrl, { authorization });
    socket.subscribe('1', JSON.stringify(body));
    const message = await socket.next('1');
    socket.close();
    if (message === undefined) return { closeCode: (await socket.closed).code };
    if (message.type === 'error') return { errors: message.payload };
    if (message.type === 'next') return { errors: message.payload.errors };
    return {};
  }

  /** The attack changed nothing: no event, every read model and process LIVE, and an honest order goes through. */
  async function expectUnharmed(eventsBefore: number): Promise<void> {
    expect(countEvents(databaseFile)).toBe(eventsBefore);
    expect((await fetch(`${root}/healthz`)).status).toBe(200);
    await settled(server.url);
    const honest = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    expect(honest.placeOrder.status).toBe('PENDING');
  }

  it('should answer a 1 MB request without a token, whose variables hold 100,000 unknown keys, 401 UNAUTHENTICATED without parsing it', async () => {
    const events = countEvents(databaseFile);
    const before = await scrape();
    const body = { query: placeOrder, variables: { input: unknownKeys(100_000) } };
    expect(JSON.stringify(body).length).toBeGreaterThan(1_000_000);

    for (const authorization of [undefined, 'Bearer not-a-jwt']) {
      const answer = await overHttp(body, authorization);
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }

    const after = await scrape();
    expect(refused(after, 'unauthenticated') - refused(before, 'unauthenticated')).toBe(2);
    expect(parsed(after, 'http')).toBe(parsed(before, 'http'));
    await expectUnharmed(events);
  });

  it('should answer an OPTIONS request that is no CORS preflight 401 without reading its body', async () => {
    const before = await scrape();
    const response = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: placeOrder }),
    });
    expect(response.status).toBe(401);
    expect(refused(await scrape(), 'unauthenticated') - refused(before, 'unauthenticated')).toBe(1);
  });

  it('should refuse a token without an expiry on both transports', async () => {
    const forever = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('forever')
      .setIssuer(TEST_AUTH.issuer)
      .setAudience(TEST_AUTH.audience)
      .sign(Buffer.from(TEST_AUTH.secret));
    const answer = await overHttp({ query: placeOrder, variables: { input: referenceOrder() } }, `Bearer ${forever}`);
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.message).toMatch(/tokens must expire/);
    await expect(RawGraphQLSocket.open(wsUrl, { authorization: `Bearer ${forever}` })).rejects.toThrow(/4401 The token has no expiry/);
  });

  for (const transport of ['http', 'ws'] as const) {
    const send = (body: unknown) => (transport === 'http' ? overHttp(body, admin) : overWebSocket(body));

    it(`should refuse variables with 3,000 unknown keys over ${transport} with BAD_USER_INPUT before parsing`, async () => {
      const events = countEvents(databaseFile);
      const before = await scrape();
      const answer = await send({ query: placeOrder, variables: { input: unknownKeys(3_000) } });
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: 2000 } });
      expect(answer.errors![0]!.message).toMatch(/Variables hold more than 2000 values/);
      const after = await scrape();
      expect(refused(after, 'variables') - refused(before, 'variables')).toBe(1);
      expect(parsed(after, transport)).toBe(parsed(before, transport));
      await expectUnharmed(events);
    });

    it(`should refuse variables nested 1,000 deep over ${transport} with BAD_USER_INPUT before parsing`, async () => {
      const before = await scrape();
      const answer = await send({ query: placeOrder, variables: { input: { items: nestedList(1_000) } } });
      expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: 10 } });
      expect(answer.errors![0]!.message).toMatch(/nest deeper than 10 levels/);
      expect(parsed(await scrape(), transport)).toBe(parsed(before, transport));
    });

    it(`should refuse an operationName that is no GraphQL name over ${transport} with BAD_REQUEST before parsing`, async () => {
      const before = await scrape();
      const answer = await send({
        query: placeOrder,
        operationName: `Place${'\u0000x'.repeat(5_000)}`,
        variables: { input: referenceOrder() },
      });
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      expect(JSON.stringify(answer).length).toBeLessThan(1_000);
      expect(parsed(await scrape(), transport)).toBe(parsed(before, transport));
    });

    it(`should price first: $n at the value sent for $n over ${transport}`, async () => {
      const query = 'query Pages($n: Int!) { orders(first: $n) { edges { node { id history { eventId type } } } } }';
      const priced = await send({ query, variables: { n: 100_000 } });
      expect(priced.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 100_000 } });
      expect(priced.errors![0]!.message).toMatch(/^Query cost \d+ exceeds the limit of 100000/);
      expect(priced.errors![0]!.extensions!.cost).toBeGreaterThan(100_000);
      const small = await send({ query, variables: { n: 5 } });
      expect(small.errors).toBeUndefined();
    });
  }

  it('should refuse a body over the default 128 KiB with 413, and close a WebSocket sending a message over it with 1009', async () => {
    const events = countEvents(databaseFile);
    const body = { query: placeOrder, variables: { input: referenceOrder({ customerId: 'c'.repeat(140_000) }) } };
    const answer = await overHttp(body, admin);
    expect(answer.status).toBe(413);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect((await overWebSocket(body)).closeCode).toBe(1009);
    await expectUnharmed(events);
  });
});
