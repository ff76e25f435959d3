/**
 * placeOrder on PostgreSQL while other callers press on the same server: staff asking the events
 * query for positions past the head (`past`), requests without a token (`none`), staff paging the whole
 * log 1,000 events at a time (`deep`). Prints each load's rate and the read models' and processes'
 * positions and /readyz afterwards (all at the head, 200, when nothing was lost or stuck).
 *
 *   npx tsx bench/postgresHostile.ts [seconds, default 60] [loads, default orders,past,none,deep]
 *
 * A fresh schema in DATABASE_URL's database (default the test database), dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { startChild } from './lib/children.js';
import { addBenchProducts, BENCH_SERVER_ENV, graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './scenarios/http.js';

const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `hostile_${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
const seconds = Number(process.argv[2] ?? 60);
const server = await startChild('orderstream', 'src/cli.ts', ['serve'], {
  PORT: '0',
  HOST: '127.0.0.1',
  ORDERSTREAM_DB: join(dir, 'a.db'),
  ORDERSTREAM_JWT_SECRET: AUTH.secret,
  NODE_ENV: '',
  ...BENCH_SERVER_ENV,
  DATABASE_URL,
  DATABASE_SCHEMA: schema,
});
const staff = `Bearer ${await mintToken(AUTH, { sub: 'staff-1', role: 'staff' })}`;
const customer = `Bearer ${await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' })}`;
await addBenchProducts(server.url, { authorization: staff });
const json = { 'content-type': 'application/json' };
const run = (headers: Record<string, string>, query: string, variables: unknown, connections: number) =>
  autocannon({
    url: server.url,
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify({ query, variables }),
    connections,
    duration: seconds,
  });
const mix = (process.argv[3] ?? 'orders,past,none,deep').split(',');
const zero = { requests: { average: 0 }, latency: { p99: 0 }, '2xx': 0, non2xx: 0, errors: 0 } as unknown as autocannon.Result;
const [orders, pastHead, noToken, deep] = await Promise.all([
  mix.includes('orders') ? run({ authorization: customer }, PLACE_ORDER, { input: PLACE_ORDER_INPUT }, 40) : zero,
  mix.includes('past')
    ? run(
        { authorization: staff },
        'query($a: SafeInt!) { events(after: $a, first: 1000) { endPosition nodes { position } } }',
        { a: 9_000_000_000_000 },
        5,
      )
    : zero,
  mix.includes('none') ? run({}, PLACE_ORDER, { input: PLACE_ORDER_INPUT }, 5) : zero,
  mix.includes('deep')
    ? run({ authorization: staff }, 'query { events(after: 0, first: 1000) { endPosition nodes { position type } } }', {}, 5)
    : zero,
]);
const summary = (name: string, r: autocannon.Result) =>
  console.log(
    `${name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, 2xx ${r['2xx']}, non2xx ${r.non2xx}, errors ${r.errors}`,
  );
summary('placeOrder (customer, 40 conns)', orders);
summary('events past the head (staff, 5 conns)', pastHead);
summary('placeOrder without a token (5 conns)', noToken);
summary('events from 0, 1,000 at a time (staff, 5 conns)', deep);
await new Promise((r) => setTimeout(r, 3000));
const admin = `Bearer ${await mintToken(AUTH, { sub: 'admin-1', role: 'admin' })}`;
const status = await graphql(
  server.url,
  { ...json, authorization: admin },
  'query { projections { name state position headPosition runsHere } }',
  {},
);
console.log(JSON.stringify(status));
const ready = await fetch(server.url.replace('/graphql', '/readyz'));
console.log('readyz', ready.status);
await server.stop();
const client = new pg.Client({ connectionString: DATABASE_URL });
await client.connect();
await client.query(`DROP SCHEMA ${schema} CASCADE`);
await client.end();
