import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mintToken } from '../../src/auth/tokens.js';
import { ManualClock } from '../../src/clock/manualClock.js';
import { GetOrderDocument, OrderUpdatedDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { TEST_AUTH } from '../support/auth.js';
import { request, requestData } from '../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

const run = promisify(execFile);

/** Opens a graphql-ws connection with these params and reports how it ended, or the first result. */
function connectAndSubscribe(
  server: TestServer,
  connectionParams: Record<string, unknown>,
  orderId: string,
): { first: Promise<unknown>; closed: Promise<{ code: number; reason: string }> } {
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    on: { closed: (event) => resolveClosed(event as { code: number; reason: string }) },
  });
  const first = new Promise((resolve) => {
    client.subscribe(
      { query: print(OrderUpdatedDocument), variables: { id: orderId } },
      { next: resolve, error: () => {}, complete: () => {} },
    );
  });
  void closed.then(() => client.dispose());
  return { first, closed };
}

describe('Authentication', () => {
  let server: TestServer;
  let orderId: string;

  beforeAll(async () => {
    server = await startTestServer();
    orderId = (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-a' }) })).placeOrder.id;
  });
  afterAll(() => server.dispose());

  const tokenWith = (claims: Record<string, unknown>, secret = TEST_AUTH.secret, expiresAt: number | string = '1h') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-x')
      .setIssuer(TEST_AUTH.issuer)
      .setAudience(TEST_AUTH.audience)
      .setExpirationTime(expiresAt)
      .sign(Buffer.from(secret));

  const httpCases: [string, () => Promise<string>, RegExp][] = [
    ['no token', async () => '', /Sign in: send "Authorization: Bearer <token>"/],
    [
      'an expired token',
      () => tokenWith({ role: 'admin' }, TEST_AUTH.secret, Math.floor(Date.now() / 1000) - 60).then((t) => `Bearer ${t}`),
      /expired/,
    ],
    [
      'a token signed with another secret',
      () => tokenWith({ role: 'admin' }, 'another-secret-another-secret-another').then((t) => `Bearer ${t}`),
      /signature is not valid/,
    ],
    ['a token without a role', () => tokenWith({}).then((t) => `Bearer ${t}`), /role must be one of customer, staff, admin/],
    ['a customer token without a customerId', () => tokenWith({ role: 'customer' }).then((t) => `Bearer ${t}`), /customerId claim/],
    ['garbage', async () => 'Bearer not-a-jwt', /not a valid JWT/],
  ];
  for (const [name, authorization, message] of httpCases) {
    it(`should answer UNAUTHENTICATED over HTTP for ${name}, and write nothing`, async () => {
      const answer = await request(server.url, PlaceOrderDocument, { input: referenceOrder() }, { authorization: await authorization() });
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(answer.errors?.[0]?.message).toMatch(message);
      const read = await request(server.url, GetOrderDocument, { id: orderId }, { authorization: await authorization() });
      expect(read.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  }

  it('should close a WebSocket with 4401 at connection_init without a valid token', async () => {
    for (const params of [{}, { authorization: 'Bearer not-a-jwt' }]) {
      const { closed } = connectAndSubscribe(server, params, orderId);
      expect((await closed).code).toBe(4401);
    }
  });

  it('should end an open subscription with 4401 "Token expired" when its token expires', async () => {
    // A server of its own that judges tokens by a clock the test moves: the token expires without waiting for it.
    const tokenClock = new ManualClock();
    const own = await startTestServer({ config: { tokenClock } });
    try {
      const ownOrderId = (await requestData(own.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-a' }) })).placeOrder
        .id;
      const token = await mintToken(TEST_AUTH, { sub: 'user-cust-a', role: 'customer', customerId: 'cust-a' }, '1h');
      const { first, closed } = connectAndSubscribe(own, { authorization: `Bearer ${token}` }, ownOrderId);
      expect(await first).toMatchObject({ data: { orderUpdated: { id: ownOrderId } } });

      await tokenClock.advance(3_600_000 + 1_000);
      expect(await closed).toEqual(expect.objectContaining({ code: 4401, reason: 'Token expired' }));
      // HTTP judges by the same clock.
      const late = await request(own.url, GetOrderDocument, { id: ownOrderId }, { authorization: `Bearer ${token}` });
      expect(late.errors?.[0]).toMatchObject({ message: 'The token has expired; sign in again', extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      await own.dispose();
    }
  });

  it('should record the token subject as the userId of the events', async () => {
    const token = await mintToken(TEST_AUTH, { sub: 'alice', role: 'customer', customerId: 'cust-alice' });
    // Customers order from the catalog.
    await addReferenceProducts(server.url);
    const { placeOrder } = await requestData(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ customerId: 'cust-alice' }) },
      {
        authorization: `Bearer ${token}`,
      },
    );
    const { order } = await requestData(server.url, GetOrderDocument, { id: placeOrder.id });
    expect(order!.history.map((event) => event.userId)).toEqual(['alice']);
  });

  it('should mint working tokens with the token command', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'token', '--role', 'customer', '--customer', 'cust-a', '--expires', '5m'],
      { env: { ...process.env, ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret } },
    );
    const { order } = await requestData(server.url, GetOrderDocument, { id: orderId }, { authorization: `Bearer ${stdout.trim()}` });
    expect(order).toMatchObject({ id: orderId, customerId: 'cust-a' });

    const refused = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'token', '--role', 'customer'], {
      env: { ...process.env, ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret },
    }).then(
      () => expect.fail('a customer token without --customer must be refused'),
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('A customer token needs --customer <customerId>');
  });
});
