import { type GraphQLFormattedError, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  OrderUpdatedDocument,
  PlaceOrderDocument,
  type PlaceOrderInput,
  ReceivePaymentDocument,
} from '../generated/graphql.js';
import { ADMIN, bearer } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { referenceOrder } from '../support/orders.js';
import { RawGraphQLSocket } from '../support/rawSocket.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

const TRANSPORTS = ['http', 'ws'] as const;
type Transport = (typeof TRANSPORTS)[number];

/** What the server answered one request with, however it answered. */
type Reply = {
  /** HTTP status (HTTP only). */
  status?: number;
  errors?: GraphQLFormattedError[];
  data?: unknown;
  /** The WebSocket close code, when the server closed the connection instead of answering. */
  closeCode?: number;
  ms: number;
};

type HostileCase = {
  name: string;
  /** The JSON text of a GraphQL request: { query, variables }. */
  body: () => string;
  code: string;
  message: RegExp;
  field?: string;
};

const placeOrder = print(PlaceOrderDocument);
const receivePayment = print(ReceivePaymentDocument);
const cancelOrder = print(CancelOrderDocument);

/** `{ query, variables }` as JSON, with each placeholder string replaced by raw JSON text (1e309, -0). */
function requestBody(query: string, variables: Record<string, unknown> = {}, raw: Record<string, string> = {}): string {
  let text = JSON.stringify({ query, variables });
  for (const [placeholder, json] of Object.entries(raw)) text = text.replace(JSON.stringify(placeholder), json);
  return text;
}

function orderWith(item: Record<string, unknown>, overrides: Partial<PlaceOrderInput> = {}): Record<string, unknown> {
  const order = referenceOrder(overrides);
  return { ...order, items: [{ ...order.items[0]!, ...item }] };
}

const placeOrderWith = (input: Record<string, unknown>, raw?: Record<string, string>) => () => requestBody(placeOrder, { input }, raw);

const payment = (amount: unknown, raw?: Record<string, string>) => () =>
  requestBody(receivePayment, { input: { orderId: 'order-1', paymentId: 'pay-1', amount, method: 'card' } }, raw);

const nested = (depth: number) => `{ ${'a { '.repeat(depth - 1)}a${' }'.repeat(depth - 1)} }`;
const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `a${index}: __typename`).join(' ')} }`;
const expensive = Array.from(
  { length: 20 },
  (_, index) => `o${index}: orders(first: 100) { edges { node { items { name unitPrice { amount } } history { type data } } } }`,
).join(' ');
const megabyte = 'x'.repeat(1_000_000);

const cases: HostileCase[] = [
  {
    name: 'a query 1,000 fields deep',
    body: () => requestBody(nested(1000)),
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /^Query depth 1000 exceeds the limit of 15$/,
  },
  {
    name: 'a query of 10,000 aliases (past the parser token limit)',
    body: () => requestBody(aliases(10_000)),
    code: 'GRAPHQL_PARSE_FAILED',
    message: /Document contains more that 5000 tokens/,
  },
  {
    name: 'a query of 1,000 aliases',
    body: () => requestBody(aliases(1000)),
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /^Query uses 1000 aliases, more than the limit of 30$/,
  },
  {
    name: 'a query that would cost 146,000 fields',
    body: () => requestBody(`{ ${expensive} }`),
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /^Query cost 146000 exceeds the limit of 100000/,
  },
  {
    name: 'an unknown field in the selection',
    body: () => requestBody('{ order(id: "x") { id nope } }'),
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /Cannot query field "nope" on type "Order"/,
  },
  {
    name: 'an unknown field in the input',
    body: placeOrderWith({ ...referenceOrder(), isAdmin: true }),
    code: 'BAD_USER_INPUT',
    message: /Field "isAdmin" is not defined by type "PlaceOrderInput"/,
  },
  {
    name: 'a string for an Int',
    body: placeOrderWith(orderWith({ quantity: '2' })),
    code: 'BAD_USER_INPUT',
    message: /Int cannot represent non-integer value: "2"/,
  },
  {
    name: 'a 1 MB string for an Int (not echoed back)',
    body: placeOrderWith(orderWith({ quantity: megabyte })),
    code: 'BAD_USER_INPUT',
    message:
      /^Variable "\$input" got invalid value "x{40}…" at "input\.items\[0\]\.quantity"; Int cannot represent non-integer value: "x{40}…"$/,
  },
  {
    name: 'a number for a String',
    body: placeOrderWith(orderWith({ name: 42 })),
    code: 'BAD_USER_INPUT',
    message: /String cannot represent a non string value: 42/,
  },
  {
    name: 'a boolean for a Decimal',
    body: placeOrderWith(orderWith({ unitPrice: true })),
    code: 'BAD_USER_INPUT',
    message: /Decimal expects an amount .* but got a boolean$/,
  },
  ...(
    [
      ['"NaN"', 'NaN', undefined, /but got "NaN": not a number$/],
      ['"Infinity"', 'Infinity', undefined, /but got "Infinity": not a finite number$/],
      ['1e309 (a JSON number)', '1e309', '1e309', /but got Infinity: not a finite number/],
      ['"1e309"', '1e309', undefined, /but got "1e309": exponent notation is not accepted/],
      ['"-0"', '-0', undefined, /but got "-0": negative zero is not an amount$/],
      ['-0 (a JSON number)', '-0', '-0', /but got -0: negative zero is not an amount$/],
      ['0.1 + 0.2', 0.1 + 0.2, undefined, /but got 0.30000000000000004: 17 fraction digits, the noise of floating-point/],
    ] as const
  ).flatMap(([shown, value, raw, message]): HostileCase[] => [
    {
      name: `a unit price of ${shown}`,
      body: placeOrderWith(orderWith({ unitPrice: raw ? '__raw__' : value }), raw ? { __raw__: raw } : {}),
      code: 'BAD_USER_INPUT',
      message,
    },
    {
      name: `a payment of ${shown}`,
      body: payment(raw ? '__raw__' : value, raw ? { __raw__: raw } : {}),
      code: 'BAD_USER_INPUT',
      message,
    },
  ]),
  {
    name: 'a unit price over 1,000,000.00',
    body: placeOrderWith(orderWith({ unitPrice: '1000000.01' })),
    code: 'BAD_USER_INPUT',
    message: /^Unit price must be at most 1000000.00, got 1000000.01$/,
    field: 'items[0].unitPrice',
  },
  {
    name: 'a 1 MB item name',
    body: placeOrderWith(orderWith({ name: megabyte })),
    code: 'BAD_USER_INPUT',
    message: /^items\[0\]\.name must be at most 200 characters, got 1000000$/,
    field: 'items[0].name',
  },
  {
    name: 'a 1 MB customer id',
    body: placeOrderWith(referenceOrder({ customerId: megabyte })),
    code: 'BAD_USER_INPUT',
    message: /^customerId must be at most 100 characters, got 1000000$/,
    field: 'customerId',
  },
  {
    name: 'a 1 MB cancellation reason',
    body: () => requestBody(cancelOrder, { input: { orderId: 'order-1', reason: megabyte } }),
    code: 'BAD_USER_INPUT',
    message: /^reason must be at most 200 characters, got 1000000$/,
    field: 'reason',
  },
  {
    name: 'a customer id with a space',
    body: placeOrderWith(referenceOrder({ customerId: 'cust 1' })),
    code: 'BAD_USER_INPUT',
    message: /^customerId must be 1 to 100 of A-Z a-z 0-9 \. _ : -, got "cust 1"$/,
    field: 'customerId',
  },
  ...(
    [
      ['NUL', '\u0000', 'a control character \\(U\\+0000\\)'],
      ['a newline', '\n', 'a control character \\(U\\+000A\\)'],
      ['DEL', '\u007f', 'a control character \\(U\\+007F\\)'],
      ['a C1 control (CSI)', '\u009b', 'a control character \\(U\\+009B\\)'],
      ['a lone high surrogate', '\ud800', 'a lone surrogate \\(U\\+D800\\)'],
      ['a lone low surrogate', '\udc00', 'a lone surrogate \\(U\\+DC00\\)'],
    ] as const
  ).map(
    ([what, character, found]): HostileCase => ({
      name: `an item name with ${what}`,
      body: placeOrderWith(orderWith({ name: `Wid${character}get` })),
      code: 'BAD_USER_INPUT',
      message: new RegExp(`^items\\[0\\]\\.name must be text without control characters or lone surrogates; found ${found} at index 3$`),
      field: 'items[0].name',
    }),
  ),
  {
    name: 'a cancellation reason with an escape sequence',
    body: () => requestBody(cancelOrder, { input: { orderId: 'order-1', reason: 'ok\u001b[2J' } }),
    code: 'BAD_USER_INPUT',
    message: /^reason must be text without control characters or lone surrogates; found a control character \(U\+001B\) at index 2$/,
    field: 'reason',
  },
  {
    name: 'an order of 101 items',
    body: placeOrderWith(
      referenceOrder({
        items: Array.from({ length: 101 }, (_, index) => ({ productId: `p${index}`, name: 'Widget', quantity: 1, unitPrice: '1.00' })),
      }),
    ),
    code: 'BAD_USER_INPUT',
    message: /^An order has at most 100 items$/,
    field: 'items',
  },
  {
    name: 'a quantity of 0',
    body: placeOrderWith(orderWith({ quantity: 0 })),
    code: 'BAD_USER_INPUT',
    message: /^Quantity must be a positive whole number, got 0$/,
    field: 'items[0].quantity',
  },
  {
    name: 'a quantity of 10,001',
    body: placeOrderWith(orderWith({ quantity: 10_001 })),
    code: 'BAD_USER_INPUT',
    message: /^Quantity must be at most 10000, got 10001$/,
    field: 'items[0].quantity',
  },
];

describe('Order service given hostile input', () => {
  let server: TestServer;
  let authorization: string;
  const timings: string[] = [];

  beforeAll(async () => {
    // Megabyte values must reach the checks they test, so the limit is 1 MiB here, not the default 128 KiB.
    server = await startTestServer({ config: { maxMessageBytes: 1024 * 1024 } });
    authorization = await bearer(ADMIN);
  });
  afterAll(async () => {
    // Quick answers are noted, not asserted: timings vary from machine to machine.
    console.log(`Hostile inputs answered in (ms):\n${timings.join('\n')}`);
    await server.dispose();
  });

  async function overHttp(body: string): Promise<Reply> {
    const started = performance.now();
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    const json = (await response.json()) as { data?: unknown; errors?: GraphQLFormattedError[] };
    return { status: response.status, ...json, ms: performance.now() - started };
  }

  /** Sends the request on a new connection and returns its first result, or how the socket closed. */
  async function overWebSocket(body: string): Promise<Reply> {
    const socket = await RawGraphQLSocket.open(server.wsUrl, { authorization });
    const started = performance.now();
    socket.subscribe('1', body);
    const message = await socket.next('1');
    const ms = performance.now() - started;
    socket.close();
    if (message === undefined) return { closeCode: (await socket.closed).code, ms };
    if (message.type === 'error') return { errors: message.payload, ms };
    if (message.type === 'next') return { ...message.payload, ms };
    return { ms };
  }

  const send = (transport: Transport, body: string) => (transport === 'http' ? overHttp(body) : overWebSocket(body));

  /** Another client places a normal order over `transport`, and it works. */
  async function expectStillServing(transport: Transport): Promise<void> {
    const reply = await send(transport, requestBody(placeOrder, { input: referenceOrder() }));
    expect(reply.errors).toBeUndefined();
    expect(reply.data).toMatchObject({ placeOrder: { status: 'PENDING', total: { amount: '109.97' } } });
  }

  for (const { name, body, code, message, field } of cases) {
    for (const transport of TRANSPORTS) {
      it(`should refuse ${name} over ${transport === 'http' ? 'HTTP' : 'WebSocket'} with ${code}, write nothing and keep serving`, async () => {
        const before = countEvents(server.databaseFile);
        const reply = await send(transport, body());
        timings.push(`${reply.ms.toFixed(1).padStart(8)}  ${transport.padEnd(4)} ${name}`);

        expect(reply.closeCode).toBeUndefined();
        expect(reply.data ?? null).toBeNull();
        expect(reply.errors?.length).toBeGreaterThan(0);
        for (const error of reply.errors!) {
          expect(error.extensions?.code).toBe(code);
          expect(error.extensions).not.toHaveProperty('stacktrace');
        }
        const matching = reply.errors!.find((error) => message.test(error.message));
        expect(matching, `no error matches ${message}: ${JSON.stringify(reply.errors).slice(0, 500)}`).toBeDefined();
        if (field) expect(matching!.extensions?.field).toBe(field);
        // No error echoes a megabyte back.
        expect(JSON.stringify(reply.errors).length).toBeLessThan(10_000);
        expect(countEvents(server.databaseFile)).toBe(before);

        await expectStillServing(transport);
      });
    }
  }

  it('should answer a 10 MB body over HTTP with 413 and a GraphQL error, write nothing and keep serving', async () => {
    const before = countEvents(server.databaseFile);
    const hugeName = 'x'.repeat(10 * 1024 * 1024);
    const reply = await overHttp(requestBody(placeOrder, { input: orderWith({ name: hugeName }) }));
    timings.push(`${reply.ms.toFixed(1).padStart(8)}  http a 10 MB body`);

    expect(reply.status).toBe(413);
    expect(reply.errors).toEqual([
      {
        message: expect.stringMatching(/^The request body of \d+ bytes is larger than the limit of 1048576 bytes$/),
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(countEvents(server.databaseFile)).toBe(before);
    await expectStillServing('http');
  });

  it('should answer malformed JSON over HTTP with 400 BAD_REQUEST', async () => {
    const reply = await overHttp('{"query": "{ __typename }"');
    expect(reply.status).toBe(400);
    expect(reply.errors).toEqual([
      { message: expect.stringMatching(/^The request body is not valid JSON: /), extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  it('should close a WebSocket that sends a message over 1 MiB with 1009, write nothing, and take new connections', async () => {
    const before = countEvents(server.databaseFile);
    const socket = await RawGraphQLSocket.open(server.wsUrl, { authorization });
    const started = performance.now();
    socket.subscribe('1', requestBody(placeOrder, { input: orderWith({ name: 'x'.repeat(1024 * 1024) }) }));
    const { code } = await socket.closed;
    timings.push(`${(performance.now() - started).toFixed(1).padStart(8)}  ws   a message over 1 MiB`);

    expect(code).toBe(1009);
    expect(countEvents(server.databaseFile)).toBe(before);
    await expectStillServing('ws');
  });

  it('should refuse a 51st active subscription on one connection with BAD_REQUEST and keep the connection', async () => {
    const orderId = `sub-${Date.now()}`;
    await expectStillServingWith(referenceOrder({ orderId }));
    const before = countEvents(server.databaseFile);
    const socket = await RawGraphQLSocket.open(server.wsUrl, { authorization });
    const orderUpdated = (id: string) => socket.subscribe(id, requestBody(print(OrderUpdatedDocument), { id: orderId }));

    for (let index = 1; index <= 50; index++) orderUpdated(`s${index}`);
    for (let index = 1; index <= 50; index++) expect((await socket.next(`s${index}`))?.type).toBe('next');

    orderUpdated('s51');
    const refused = await socket.next('s51');
    expect(refused?.type).toBe('error');
    const [error] = (refused as { payload: GraphQLFormattedError[] }).payload;
    expect(error?.message).toBe('This connection has 50 active subscriptions, the limit; complete one before starting another');
    expect(error?.extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 50 });

    // The connection is still up: queries run, and a completed subscription frees a place.
    socket.subscribe('q', requestBody('{ order(id: "nope") { id } }'));
    expect(await socket.next('q')).toMatchObject({ type: 'next', payload: { data: { order: null } } });
    socket.complete('s1');
    orderUpdated('s52');
    expect(await socket.next('s52')).toMatchObject({ type: 'next', payload: { data: { orderUpdated: { id: orderId } } } });
    expect(countEvents(server.databaseFile)).toBe(before);
    socket.close();
  });

  it('should close a WebSocket that sends no connection_init within 3 seconds with 4408', async () => {
    const socket = await RawGraphQLSocket.open(server.wsUrl, null);
    const { code } = await socket.closed;
    expect(code).toBe(4408);
  });

  async function expectStillServingWith(input: PlaceOrderInput): Promise<void> {
    const reply = await overHttp(requestBody(placeOrder, { input }));
    expect(reply.errors).toBeUndefined();
  }
});
