/**
 * Issue 19's figure: the worst /healthz answer while each attack runs against `orderstream serve`,
 * beside the same figure with no attack, in the same run. Goal: no attack raises it by more than 50 ms.
 *
 *   npx tsx bench/abuse.ts                 (about 2 minutes)
 *   options: --seconds N (per attack, default 8), --orders N (log size, default 3,000)
 *
 * Each attack is a bounded loop of a few concurrent attackers on loopback; a prober asks /healthz
 * every 20 ms meanwhile. The server runs as a child process on a temp file holding --orders orders of
 * 100 customers, appended straight into the log before it starts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { print } from 'graphql';
import WebSocket from 'ws';
import { eventSchemas } from '../src/application/eventSchemas.js';
import { mintToken } from '../src/auth/tokens.js';
import { ORDER_STREAM_TYPE, orderStreamId } from '../src/domain/order/index.js';
import { openDatabase } from '../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqliteEventStore.js';
import { PlaceOrderDocument } from '../test/generated/graphql.js';
import { startChild } from './lib/children.js';
import { log, markdownTable, quantile, round, type Row } from './lib/report.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, orders: { type: 'string' } } });
const seconds = Number(values.seconds ?? 8);
const orders = Number(values.orders ?? 3_000);
const AUTH = { secret: randomUUID() + randomUUID(), issuer: 'orderstream', audience: 'orderstream' };
const GOAL_MS = 50;

const directory = mkdtempSync(join(tmpdir(), 'orderstream-abuse-'));
const databaseFile = join(directory, 'orderstream.db');
await fillLog(databaseFile, orders);
const server = await startChild('orderstream', 'src/cli.ts', ['serve'], {
  PORT: '0',
  HOST: '127.0.0.1',
  ORDERSTREAM_DB: databaseFile,
  ORDERSTREAM_JWT_SECRET: AUTH.secret,
});
const root = server.url.replace(/\/graphql$/, '');
const admin = `Bearer ${await mintToken(AUTH, { sub: 'bench-admin', role: 'admin' })}`;
const customer = `Bearer ${await mintToken(AUTH, { sub: 'bench-customer', role: 'customer', customerId: 'cust-1' })}`;
const placeOrder = print(PlaceOrderDocument);
const unknownKeys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 1]));

type Attack = { name: string; concurrency: number; once: () => Promise<unknown> };
/** Sends `body` (a JSON text made once, so the attacker's own work stays out of the loop). */
const post = (body: string, authorization?: string) =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
    body,
  }).then((response) => response.arrayBuffer());
const manyKeys = JSON.stringify({ query: placeOrder, variables: { input: unknownKeys(100_000) } });
const someKeys = JSON.stringify({ query: placeOrder, variables: { input: unknownKeys(3_000) } });
const socketKeys = JSON.stringify({ query: placeOrder, variables: { input: unknownKeys(5_000) } });
const replay = (customerId: string) =>
  JSON.stringify({ query: `subscription { ordersChanged(customerId: "${customerId}", afterPosition: 0) { position } }` });

const attacks: Attack[] = [
  { name: 'none (baseline)', concurrency: 0, once: async () => undefined },
  { name: '1 MB POST, no token, 100,000 unknown keys', concurrency: 4, once: () => post(manyKeys) },
  { name: 'POST, admin token, 3,000 unknown keys', concurrency: 4, once: () => post(someKeys, admin) },
  { name: 'POST, admin token, 100,000 unknown keys (over the body limit)', concurrency: 4, once: () => post(manyKeys, admin) },
  { name: 'WebSocket, admin token, 5,000 unknown keys', concurrency: 4, once: () => overWebSocket(admin, [socketKeys]) },
  {
    name: "40 × ordersChanged(another customer's id, afterPosition: 0) per socket",
    concurrency: 2,
    once: () =>
      overWebSocket(
        customer,
        Array.from({ length: 40 }, () => replay('cust-2')),
      ),
  },
  {
    name: '40 × ordersChanged(own id, afterPosition: 0) per socket',
    concurrency: 2,
    once: () =>
      overWebSocket(
        customer,
        Array.from({ length: 40 }, () => replay('cust-1')),
      ),
  },
  { name: '/readyz flood', concurrency: 8, once: () => fetch(`${root}/readyz`).then((response) => response.arrayBuffer()) },
];

/** Asks /healthz every 20 ms until `until`, then posts the answer times (ms) back. */
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const times = [];
  while (Date.now() < workerData.until) {
    const started = performance.now();
    await fetch(workerData.url).then((response) => response.arrayBuffer());
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  parentPort.postMessage(times);
})();
`;

const rows: Row[] = [];
let baselineWorst = 0;
for (const attack of attacks) {
  const probe = await underAttack(attack);
  const worst = Math.max(...probe);
  if (attack.concurrency === 0) baselineWorst = worst;
  const raised = round(worst - baselineWorst, 1);
  rows.push({
    scenario: attack.name,
    figure: 'worst /healthz',
    unit: 'ms',
    value: round(worst, 1),
    ...(attack.concurrency > 0 && {
      baseline: { name: 'no attack', value: round(baselineWorst, 1) },
      goal: `+${GOAL_MS} ms at most`,
      met: raised <= GOAL_MS,
    }),
    note: `p99 ${round(quantile(probe, 0.99), 1)} ms over ${probe.length} probes${attack.concurrency > 0 ? `; raised by ${raised} ms` : ''}`,
  });
  log(`${attack.name}: worst ${round(worst, 1)} ms`);
}
await server.stop();
rmSync(directory, { recursive: true, force: true });
log(`\n${markdownTable(rows)}`);

/**
 * Runs `attack` for `seconds` while a prober asks /healthz every 20 ms; the probes' answer times in
 * ms. The prober is a worker thread of its own, so the attackers' work in this thread never delays it.
 */
async function underAttack(attack: Attack): Promise<number[]> {
  const until = Date.now() + seconds * 1000;
  const prober = new Worker(PROBER, { eval: true, workerData: { url: `${root}/healthz`, until } });
  const probed = new Promise<number[]>((resolve, reject) => prober.once('message', resolve).once('error', reject));
  const attackers = Array.from({ length: attack.concurrency }, async () => {
    while (Date.now() < until) await attack.once().catch(() => undefined);
  });
  await Promise.all(attackers);
  return probed;
}

/** Opens a socket, sends `operations` as subscriptions, waits for each to answer or end once, and closes. */
async function overWebSocket(authorization: string, operations: string[]): Promise<void> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let acknowledged!: () => void;
  const ack = new Promise<void>((resolve) => (acknowledged = resolve));
  const answered = new Set<string>();
  let allAnswered!: () => void;
  const done = new Promise<void>((resolve) => (allAnswered = resolve));
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: string };
    if (message.type === 'connection_ack') acknowledged();
    if (message.id && ['next', 'error', 'complete'].includes(message.type)) answered.add(message.id);
    if (answered.size === operations.length) allAnswered();
  });
  socket.once('close', () => allAnswered());
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
  await Promise.race([ack, done]);
  for (const [index, payload] of operations.entries()) socket.send(`{"type":"subscribe","id":"${index}","payload":${payload}}`);
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  socket.terminate();
}

/** `count` orders of 100 customers, appended straight into the log (quicker than the API). */
async function fillLog(file: string, count: number): Promise<void> {
  const store = new SqliteEventStore(openDatabase(file, { synchronous: 'NORMAL' }));
  const placedAt = new Date().toISOString();
  for (let start = 0; start < count; start += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - start) }, (_, i) => {
        const orderId = `bench-${start + i}`;
        const data = {
          orderId,
          customerId: `cust-${(start + i) % 100}`,
          items: [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 500 }],
          currency: 'USD',
          totalMinor: 500,
          placedAt,
        };
        const metadata = { userId: 'bench', correlationId: orderId, causationId: orderId, commandId: randomUUID(), occurredAt: placedAt };
        const event = {
          eventId: randomUUID(),
          type: 'OrderPlaced',
          schemaVersion: eventSchemas.currentVersion('OrderPlaced'),
          data,
          metadata,
        };
        return store.append(orderStreamId(orderId), ORDER_STREAM_TYPE, [event], { expectedVersion: 'no_stream' });
      }),
    );
  }
  await store.close();
}
