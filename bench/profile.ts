/**
 * Where does orderstream's time go under one load? Starts `orderstream serve` with `node --cpu-prof`
 * on a new log, drives one operation with autocannon, stops the server (which writes the profile),
 * and prints the heaviest functions (self time) and packages, with the profile's path for Chrome
 * DevTools or speedscope.
 *
 *   npx tsx bench/profile.ts placeOrder|order|ping|fanout [--seconds 10] [--connections 50] [--subscribers 1000] [--postgres]
 *
 * `ping` is the cheapest authenticated operation there is (`{ __typename }`): the fixed cost of a
 * request through express, Apollo, the token check and the operation log. `fanout` connects
 * `--subscribers` subscribers to ordersChanged and runs scenario 4's latency and throughput phases.
 * `--postgres` puts the log and the read models in PostgreSQL (DATABASE_URL, default the test database;
 * a fresh schema, dropped after) and also prints the statements the server sent, per request.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { startChild } from './lib/children.js';
import { costBreakdown, type Profile } from './lib/costBreakdown.js';
import { measure } from './scenarios/fanout.js';
import { addBenchProducts, BENCH_SERVER_ENV, graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './scenarios/http.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    subscribers: { type: 'string', default: '1000' },
    postgres: { type: 'boolean', default: false },
  },
});
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = values.postgres ? `profile_${randomBytes(4).toString('hex')}` : undefined;
const operation = positionals[0] ?? 'placeOrder';
const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };

const directory = mkdtempSync(join(tmpdir(), 'orderstream-profile-'));
const queryCounts = join(directory, 'queries.json');
const server = await startChild(
  'orderstream',
  'src/cli.ts',
  ['serve'],
  {
    PORT: '0',
    HOST: '127.0.0.1',
    ORDERSTREAM_DB: join(directory, 'orderstream.db'),
    ORDERSTREAM_JWT_SECRET: AUTH.secret,
    ...BENCH_SERVER_ENV,
    ...(schema && { DATABASE_URL, DATABASE_SCHEMA: schema, ORDERSTREAM_QUERY_COUNTS: queryCounts }),
  },
  ['--cpu-prof', `--cpu-prof-dir=${directory}`, ...(schema ? ['--import', './bench/lib/countQueries.mjs'] : [])],
);
const token = await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
// The products ordered, in the catalog.
await addBenchProducts(server.url, { authorization: `Bearer ${await mintToken(AUTH, { sub: 'staff-1', role: 'staff' })}` });
const placed = await graphql(server.url, headers, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
const bodies: Record<string, object> = {
  placeOrder: { query: PLACE_ORDER, variables: { input: PLACE_ORDER_INPUT } },
  order: {
    query: 'query Order($id: ID!) { order(id: $id) { id status itemCount total { amount currency } version position } }',
    variables: { id: (placed.placeOrder as { id: string }).id },
  },
  ping: { query: '{ __typename }' },
};
let requests = 0;
if (operation === 'fanout') {
  const staff = await mintToken(AUTH, { sub: 'staff-1', role: 'staff' });
  const figures = await measure(
    server.wsUrl,
    staff,
    async () => {
      const data = await graphql(server.url, headers, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
      return (data.placeOrder as { id: string }).id;
    },
    { subscribers: Number(values.subscribers), changes: 50, seconds: Number(values.seconds), inFlight: 4 },
  );
  console.log(`fanout to ${values.subscribers} subscribers: ${JSON.stringify(figures)}`);
} else {
  if (!bodies[operation]) throw new Error(`operation must be one of ${Object.keys(bodies).join(', ')}, fanout`);
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers,
    body: JSON.stringify(bodies[operation]),
    connections: Number(values.connections),
    duration: Number(values.seconds),
  });
  console.log(
    `${operation}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx, ${result.errors} errors`,
  );
  requests = result.requests.total;
}
await server.stop();
if (schema) await dropSchema(schema);

const file = readdirSync(directory)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => join(directory, name))
  .sort()[0]!;
summarise(file);
if (requests > 0) {
  console.log(`\n-- CPU per request by step (µs; ${requests} requests, the work beside them shared out)`);
  let total = 0;
  for (const { step, microsPerRequest, share } of costBreakdown(JSON.parse(readFileSync(file, 'utf8')) as Profile, requests)) {
    total += microsPerRequest;
    console.log(`${Math.round(microsPerRequest).toString().padStart(6)} µs  ${(100 * share).toFixed(1).padStart(5)}%  ${step}`);
  }
  console.log(`${Math.round(total).toString().padStart(6)} µs          in all`);
  if (schema) printQueries(requests);
}
console.log(`\nprofile: ${file}`);

/** The statements the server sent to PostgreSQL during the whole run (start and warm-up included), per request. */
function printQueries(requests: number): void {
  const counts = JSON.parse(readFileSync(queryCounts, 'utf8')) as [string, number][];
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  console.log(`\n-- statements sent to PostgreSQL: ${(total / requests).toFixed(1)} per request (${total} in all), the most frequent`);
  for (const [text, count] of counts.slice(0, 20)) console.log(`${(count / requests).toFixed(2).padStart(6)}  ${text}`);
}

async function dropSchema(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(name)} CASCADE`);
  } finally {
    await client.end();
  }
}

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
function summarise(path: string): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const time = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const where = (node: Node) => node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/.*?\/(src|bench)\//, '$1/');
  const label = (node: Node) => `${node.callFrame.functionName || '(anonymous)'} ${where(node)}:${node.callFrame.lineNumber + 1}`;
  const packageOf = (node: Node) => {
    const url = node.callFrame.url;
    if (!url) return node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native)';
    return (
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      (url.startsWith('node:') ? 'node' : where(node).split('/').slice(0, 2).join('/'))
    );
  };
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of time) {
    const node = nodes.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    self.set(label(node), (self.get(label(node)) ?? 0) + micros);
    byPackage.set(packageOf(node), (byPackage.get(packageOf(node)) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const name = label(nodes.get(at)!);
      if (!seen.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
      seen.add(name);
    }
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, micros]) => `${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  console.log(`\nbusy (not idle) ${(busy / 1e6).toFixed(1)} s; shares of busy time`);
  console.log(`\n-- self time by package\n${top(byPackage, 20)}`);
  console.log(`\n-- self time by function\n${top(self, 25)}`);
  const ours = new Map(
    [...inclusive].filter(
      ([name]) =>
        / src\//.test(name) || /^(processGraphQLRequest|execute|validate|parse|jwtVerify|logOperation|handle|expressMiddleware)/.test(name),
    ),
  );
  console.log(`\n-- inclusive time, orderstream's own functions and the request pipeline\n${top(ours, 30)}`);
}
