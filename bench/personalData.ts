/**
 * What sealing personal data costs: durable placeOrder over HTTP on SQLite without shipping details
 * (the baseline) and with them (a key read and AES-256-GCM per order), then order(id) without and
 * with `shipping` (a key read and an open per answer), alternating, in one run:
 *
 *   npx tsx bench/personalData.ts [--seconds 10] [--runs 3] [--connections 50]
 *
 * Every server is `orderstream serve` in a child process, a new SQLite file each; autocannon runs here.
 * Prints medians beside their baselines.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mintToken } from '../src/auth/tokens.js';
import { startChild, waitIdle } from './lib/children.js';
import { compare, log, markdownTable, median, round, type Row } from './lib/report.js';
import { addBenchProducts, BENCH_SERVER_ENV, graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './scenarios/http.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, runs: { type: 'string' }, connections: { type: 'string' } } });
const seconds = Number(values.seconds ?? 10);
const runs = Number(values.runs ?? 3);
const connections = Number(values.connections ?? 50);
const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const SHIPPING = {
  recipientName: 'Ada Example',
  addressLines: ['17 Main Street', 'Apartment 4'],
  city: 'Springfield',
  postalCode: '12345',
  region: 'Example County',
  country: 'US',
  email: 'ada@example.com',
};
const ORDER = 'query Order($id: ID!) { order(id: $id) { id status total { amount currency } version } }';
const ORDER_WITH_SHIPPING =
  'query Order($id: ID!) { order(id: $id) { id status total { amount currency } version shipping { status recipientName addressLines city postalCode region country email } } }';

type Run = { placeOrder: number; placeP99: number; order: number; orderP99: number; errors: number };

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-personal-'));
  const token = await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' });
  const plain: Run[] = [];
  const sealed: Run[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      // Alternating which goes first, so drift hits both alike.
      for (const withShipping of run % 2 === 1 ? [false, true] : [true, false]) {
        const result = await measure(directory, token, withShipping);
        (withShipping ? sealed : plain).push(result);
        log(
          `  run ${run}: ${withShipping ? 'with shipping' : 'without     '}: placeOrder ${round(result.placeOrder)} req/s (p99 ${result.placeP99} ms), ` +
            `order(id) ${round(result.order)} req/s (p99 ${result.orderP99} ms), errors ${result.errors}`,
        );
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const figure = (name: string, pick: (run: Run) => number, unit: 'req/s' | 'ms'): Row[] => {
    const baseline = median(plain.map(pick));
    return [
      { scenario: 'personal data', figure: `${name}, without shipping details`, unit, value: round(baseline) },
      compare(
        {
          scenario: 'personal data',
          figure: `${name}, with shipping details (sealed / opened)`,
          unit,
          value: round(median(sealed.map(pick))),
        },
        { name: 'without', value: round(baseline) },
      ),
    ];
  };
  log(
    `\n${markdownTable([
      ...figure('placeOrder', (run) => run.placeOrder, 'req/s'),
      ...figure('placeOrder p99', (run) => run.placeP99, 'ms'),
      ...figure('order(id)', (run) => run.order, 'req/s'),
      ...figure('order(id) p99', (run) => run.orderP99, 'ms'),
    ])}`,
  );
}

/** A fresh server loaded with placeOrder, then order(id) of one order, with or without shipping details. */
async function measure(directory: string, token: string, withShipping: boolean): Promise<Run> {
  const name = withShipping ? 'sealed' : 'plain';
  const server = await startChild(name, 'src/cli.ts', ['serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    ORDERSTREAM_DB: join(directory, `${name}-${Date.now()}.db`),
    ORDERSTREAM_JWT_SECRET: AUTH.secret,
    ORDERSTREAM_MASTER_KEY: randomBytes(32).toString('base64'),
    NODE_ENV: '',
    ...BENCH_SERVER_ENV,
  });
  try {
    await addBenchProducts(server.url, { authorization: `Bearer ${await mintToken(AUTH, { sub: 'staff-1', role: 'staff' })}` });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const input = withShipping ? { ...PLACE_ORDER_INPUT, shipping: SHIPPING } : PLACE_ORDER_INPUT;
    const body = JSON.stringify({ query: PLACE_ORDER, variables: { input } });
    const placed = await graphql(server.url, headers, PLACE_ORDER, { input });
    const orderId = (placed.placeOrder as { id: string }).id;
    await autocannon({ url: server.url, method: 'POST', headers, body, connections, duration: 2 });
    await waitIdle([server]);
    const place = await autocannon({ url: server.url, method: 'POST', headers, body, connections, duration: seconds });
    await waitIdle([server]);
    const query = JSON.stringify({ query: withShipping ? ORDER_WITH_SHIPPING : ORDER, variables: { id: orderId } });
    const read = await autocannon({ url: server.url, method: 'POST', headers, body: query, connections, duration: seconds });
    return {
      placeOrder: place.requests.average,
      placeP99: place.latency.p99,
      order: read.requests.average,
      orderP99: read.latency.p99,
      errors: place.errors + place.timeouts + place.non2xx + read.errors + read.timeouts + read.non2xx,
    };
  } finally {
    await server.stop();
  }
}

await main();
