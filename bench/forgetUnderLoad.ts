/**
 * Forgetting customers at the rate the API takes orders: placeOrder with shipping details from 50
 * connections for `--seconds` over 200 customers while an admin forgets one customer a second, then
 * every order is read back and judged against when its customer was forgotten:
 *
 *   npx tsx bench/forgetUnderLoad.ts [--seconds 60]
 *
 * An order answered more than a second before its customer's forget must read erased; one whose
 * placement began more than a second after it must read as given (the customer's new key). Exits 1
 * on any error or wrong answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/tokens.js';
import { startChild } from './lib/children.js';
import { log } from './lib/report.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' } } });
const seconds = Number(values.seconds ?? 60);
const CUSTOMERS = 200;
const CONNECTIONS = 50;
const MARGIN_MS = 1_000;
const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';
const FORGET = 'mutation Forget($customerId: ID!) { forgetCustomer(customerId: $customerId) { keysDestroyed } }';

type Placed = { orderId: string; customerId: string; startedAt: number; answeredAt: number };

const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-forget-'));
const server = await startChild('forget', 'src/cli.ts', ['serve'], {
  PORT: '0',
  HOST: '127.0.0.1',
  ORDERSTREAM_DB: join(directory, 'forget.db'),
  ORDERSTREAM_JWT_SECRET: AUTH.secret,
  ORDERSTREAM_MASTER_KEY: randomBytes(32).toString('base64'),
  ORDERSTREAM_MAX_PENDING_ORDERS: '1000000',
  NODE_ENV: '',
});
const authorization = `Bearer ${await mintToken(AUTH, { sub: 'admin-1', role: 'admin' })}`;
const graphql = async (query: string, variables: object) => {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
};
const shippingOf = (customerId: string) => ({
  recipientName: `Name of ${customerId}`,
  addressLines: [`Street of ${customerId}`],
  city: 'Springfield',
  postalCode: '12345',
  country: 'DE',
  email: `${customerId}@example.org`,
});

try {
  const placed: Placed[] = [];
  const forgottenAt = new Map<string, number>();
  let errors = 0;
  let next = 0;
  const end = Date.now() + seconds * 1000;
  const place = async () => {
    while (Date.now() < end) {
      const customerId = `c-${Math.floor(Math.random() * CUSTOMERS)}`;
      const orderId = `o-${next++}`;
      const startedAt = Date.now();
      const items = [{ productId: 'p', name: 'P', quantity: 1, unitPrice: '1.00' }];
      const answer = await graphql(PLACE, { input: { orderId, customerId, items, shipping: shippingOf(customerId) } });
      if (answer.errors) errors++;
      else placed.push({ orderId, customerId, startedAt, answeredAt: Date.now() });
    }
  };
  const forget = async () => {
    for (let index = 0; Date.now() < end; index++) {
      const customerId = `c-${index % CUSTOMERS}`;
      const answer = await graphql(FORGET, { customerId });
      if (answer.errors) errors++;
      else forgottenAt.set(customerId, Date.now());
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  await Promise.all([...Array.from({ length: CONNECTIONS }, place), forget()]);
  log(
    `placed ${placed.length} orders in ${seconds} s (${Math.round(placed.length / seconds)}/s), forgot ${forgottenAt.size} customers, ${errors} errors`,
  );

  const counts = { erased: 0, given: 0, near: 0, wrong: 0 };
  for (let index = 0; index < placed.length; index += 10) {
    const batch = placed.slice(index, index + 10);
    const query = `query { ${batch.map((order, k) => `o${k}: order(id: "${order.orderId}") { shipping { status recipientName } }`).join(' ')} }`;
    const answer = await graphql(query, {});
    if (!answer.data) throw new Error(`Reading orders back failed: ${JSON.stringify(answer.errors)}`);
    batch.forEach((order, k) => {
      const { shipping } = answer.data![`o${k}`] as { shipping: { status: string; recipientName: string } };
      const at = forgottenAt.get(order.customerId);
      const given = shipping.status === 'AVAILABLE' && shipping.recipientName === `Name of ${order.customerId}`;
      const expected =
        at === undefined || order.startedAt > at + MARGIN_MS ? 'given' : order.answeredAt < at - MARGIN_MS ? 'erased' : 'either';
      if (shipping.status === 'ERASED') counts.erased++;
      if (given) counts.given++;
      if (expected === 'either') counts.near++;
      else if ((expected === 'given') !== given || (expected === 'erased' && shipping.status !== 'ERASED')) counts.wrong++;
    });
  }
  log(
    `read back: ${counts.erased} erased, ${counts.given} as given, ${counts.near} within a second of their forget, ${counts.wrong} wrong`,
  );
  if (errors > 0 || counts.wrong > 0) process.exitCode = 1;
} finally {
  await server.stop();
  rmSync(directory, { recursive: true, force: true });
}
