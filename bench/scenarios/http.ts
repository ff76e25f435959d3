/**
 * Scenarios 2 and 3: `placeOrder` and `order(id)` over HTTP, end to end, driven by autocannon from
 * the bench process against orderstream in a child process; baselines, from the bare Apollo server
 * in another child in the same run (bench/baselines/bareServer.ts): its trivial mutation and query
 * (the framework's cost), and the same job done bare (bench/baselines/sameJob.ts: one durable append
 * and one read row; one row read by primary key), which tells design from framework.
 * Runs rotate the order of the servers so drift hits all alike; figures are medians of the runs.
 */
import autocannon from 'autocannon';
import { type Child, waitIdle } from '../lib/children.js';
import { compare, log, median, round, type Row } from '../lib/report.js';

export type HttpOptions = { seconds: number; runs: number; connections: number };

type Load = { name: string; url: string; headers: Record<string, string>; body: string };
type Run = { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number; total: number };

export const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status itemCount total { amount currency } version }
}`;
export const PLACE_ORDER_INPUT = {
  customerId: 'cust-1',
  items: [
    { productId: 'p1', name: 'Widget', quantity: 2, unitPrice: '29.99' },
    { productId: 'p2', name: 'Gadget', quantity: 1, unitPrice: '49.99' },
  ],
};
const ADD_PRODUCT = `mutation AddProduct($input: AddProductInput!) { addProduct(input: $input) { id } }`;

/**
 * The environment a bench server needs: the bench's one customer places every order and pays none,
 * far more than the cap on a customer's pending orders (ORDERSTREAM_MAX_PENDING_ORDERS, 10 by default)
 * allows; and its 1,000 subscribers share one staff token, far more than the caps on one user's
 * connections (20) and subscriptions allow. Lifted, so every request is served, not a fast refusal.
 */
export const BENCH_SERVER_ENV: Record<string, string> = {
  ORDERSTREAM_MAX_PENDING_ORDERS: '1000000000',
  ORDERSTREAM_MAX_CONNECTIONS_PER_USER: '1000000',
  ORDERSTREAM_MAX_SUBSCRIPTIONS_PER_USER: '1000000',
};

/**
 * Adds PLACE_ORDER_INPUT's products to the catalog at its prices (customers pay catalog prices and may
 * order only what it lists), with stock no bench runs out of; `staffHeaders` carry a staff or admin token.
 * The order process then reserves stock for every order placed, as it does in a shop.
 */
export async function addBenchProducts(url: string, staffHeaders: Record<string, string>): Promise<void> {
  for (const { productId, name, unitPrice } of PLACE_ORDER_INPUT.items) {
    await graphql(url, staffHeaders, ADD_PRODUCT, { input: { productId, name, quantity: 1_000_000_000, unitPrice, currency: 'USD' } });
  }
}
/** The same job done bare (bench/baselines/sameJob.ts), with the same input and answer as PLACE_ORDER and ORDER. */
const SAME_JOB_MUTATION = `mutation SameJob($input: SameJobInput!) {
  placeOrderSameJob(input: $input) { id status itemCount total { amount currency } version }
}`;
const SAME_JOB_QUERY = `query OrderRow($id: ID!) { orderRow(id: $id) { id status itemCount total { amount currency } version position } }`;
const ORDER = `query Order($id: ID!) { order(id: $id) { id status itemCount total { amount currency } version position } }`;

/** Scenario 2 (placeOrder) and 3 (order(id)), each against its bare-Apollo baseline. */
export async function httpScenarios(
  server: Child,
  bare: Child,
  customerToken: string,
  options: HttpOptions,
): Promise<{ rows: Row[]; raw: Record<string, Run[]> }> {
  const auth = { authorization: `Bearer ${customerToken}` };
  // One order to query, and a check that both operations answer data, not errors.
  const placed = await graphql(server.url, auth, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
  const orderId = (placed.placeOrder as { id: string }).id;
  await graphql(server.url, auth, ORDER, { id: orderId });
  await graphql(bare.url, {}, 'mutation { echo(message: "x") }');
  await graphql(bare.url, {}, '{ hello }');
  const sameJob = await graphql(bare.url, {}, SAME_JOB_MUTATION, { input: PLACE_ORDER_INPUT });
  const rowId = (sameJob.placeOrderSameJob as { id: string }).id;
  await graphql(bare.url, {}, SAME_JOB_QUERY, { id: rowId });

  const loads = {
    placeOrder: load('placeOrder', server.url, auth, PLACE_ORDER, { input: PLACE_ORDER_INPUT }),
    bareMutation: load('bare mutation', bare.url, {}, 'mutation Echo($message: String!) { echo(message: $message) }', { message: 'x' }),
    sameJobMutation: load('same-job mutation', bare.url, {}, SAME_JOB_MUTATION, { input: PLACE_ORDER_INPUT }),
    order: load('order(id)', server.url, auth, ORDER, { id: orderId }),
    bareQuery: load('bare query', bare.url, {}, 'query Hello { hello }'),
    sameJobQuery: load('one-row query', bare.url, {}, SAME_JOB_QUERY, { id: rowId }),
  };
  const raw: Record<string, Run[]> = Object.fromEntries(Object.keys(loads).map((name) => [name, []]));
  // A short warm-up of each (JIT, caches), not counted.
  for (const target of Object.values(loads)) await cannon(target, 2, options.connections);
  await waitIdle([server, bare]);
  for (const group of [
    ['bareMutation', 'sameJobMutation', 'placeOrder'],
    ['bareQuery', 'sameJobQuery', 'order'],
  ] as const) {
    for (let run = 1; run <= options.runs; run++) {
      // Each run starts with the next one of the group: over three runs each goes first once.
      for (const name of group.map((_, index) => group[(index + run - 1) % group.length]!)) {
        const result = await cannon(loads[name], options.seconds, options.connections);
        await waitIdle([server, bare]);
        raw[name]!.push(result);
        log(
          `  run ${run}: ${loads[name].name}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms` +
            (result.errors + result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''),
        );
      }
    }
  }
  const rps = (name: keyof typeof loads) => round(median(raw[name]!.map((run) => run.requestsPerSecond)));
  const p99 = (name: keyof typeof loads) => median(raw[name]!.map((run) => run.p99Ms));
  const c = options.connections;
  const placeOrder = { scenario: '2', figure: `placeOrder over HTTP (${c} connections), req/s`, unit: 'req/s', value: rps('placeOrder') };
  const placeOrderP99 = { scenario: '2', figure: 'placeOrder p99 latency', unit: 'ms', value: p99('placeOrder') };
  const order = { scenario: '3', figure: `order(id) over HTTP (${c} connections), req/s`, unit: 'req/s', value: rps('order') };
  const orderP99 = { scenario: '3', figure: 'order(id) p99 latency', unit: 'ms', value: p99('order') };
  const rows: Row[] = [
    compare(placeOrder, { name: 'same-job mutation (bare, one durable append + one row)', value: rps('sameJobMutation') }, { min: 0.8 }),
    compare(placeOrder, { name: 'bare Apollo trivial mutation', value: rps('bareMutation') }, { min: 0.5 }),
    compare(placeOrderP99, { name: 'same-job mutation', value: p99('sameJobMutation') }, { max: 2 }),
    compare(placeOrderP99, { name: 'bare Apollo trivial mutation', value: p99('bareMutation') }),
    compare(order, { name: 'one-row query (bare, by primary key)', value: rps('sameJobQuery') }, { min: 0.9 }),
    compare(order, { name: 'bare Apollo trivial query', value: rps('bareQuery') }),
    compare(orderP99, { name: 'one-row query', value: p99('sameJobQuery') }),
  ];
  return { rows, raw };
}

function load(name: string, url: string, headers: Record<string, string>, query: string, variables?: Record<string, unknown>): Load {
  return { name, url, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) };
}

async function cannon(target: Load, seconds: number, connections: number): Promise<Run> {
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/** One GraphQL request; throws on an HTTP error or a GraphQL error. */
export async function graphql(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}
