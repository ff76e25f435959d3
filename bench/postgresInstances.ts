/**
 * Durable placeOrder throughput with the log in PostgreSQL (DATABASE_URL), on one and on two
 * instances sharing it, beside the same server on SQLite (synchronous=FULL), all in one run:
 *
 *   npx tsx bench/postgresInstances.ts [--seconds 10] [--runs 3] [--connections 50]
 *
 * PostgreSQL comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); the bench
 * uses a fresh schema per load and drops it after. Every server is `orderstream serve` in a child
 * process; autocannon runs here. With two instances the connections are split between them and
 * their req/s added up. Each run measures the three loads in rotated order, so drift hits all
 * alike; figures are medians. Writes everything to bench/results/postgres-<time>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { type Child, startChild, waitIdle } from './lib/children.js';
import { compare, log, markdownTable, median, round, type Row } from './lib/report.js';
import { addBenchProducts, BENCH_SERVER_ENV, graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './scenarios/http.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, runs: { type: 'string' }, connections: { type: 'string' } } });
const seconds = Number(values.seconds ?? 10);
const runs = Number(values.runs ?? 3);
const connections = Number(values.connections ?? 50);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

type LoadName = 'sqlite' | 'postgres1' | 'postgres2';
type Run = { requestsPerSecond: number; p99Ms: number; errors: number; non2xx: number };
const LABELS: Record<LoadName, string> = {
  sqlite: 'SQLite, one instance',
  postgres1: 'PostgreSQL, one instance',
  postgres2: 'PostgreSQL, two instances',
};

async function main(): Promise<void> {
  const settings = await postgresSettings();
  log(
    `placeOrder on SQLite vs PostgreSQL: ${runs} runs of ${seconds} s, ${connections} connections; PostgreSQL ${JSON.stringify(settings)}`,
  );
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-pg-'));
  const token = await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' });
  const raw: Record<LoadName, Run[]> = { sqlite: [], postgres1: [], postgres2: [] };
  try {
    const order: LoadName[] = ['sqlite', 'postgres1', 'postgres2'];
    for (let run = 1; run <= runs; run++) {
      // Rotate, so no load always goes first (or last) on a machine that drifts.
      for (const name of [...order.slice(run - 1), ...order.slice(0, run - 1)].slice(0, 3)) {
        const result = await measure(name, directory, token);
        raw[name].push(result);
        log(
          `  run ${run}: ${LABELS[name]}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms` +
            (result.errors + result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''),
        );
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const rps = (name: LoadName) => round(median(raw[name].map((run) => run.requestsPerSecond)));
  const p99 = (name: LoadName) => median(raw[name].map((run) => run.p99Ms));
  const sqlite = { name: LABELS.sqlite, value: rps('sqlite') };
  const rows: Row[] = [
    { scenario: 'pg', figure: `placeOrder, ${LABELS.sqlite} (synchronous=FULL), req/s`, unit: 'req/s', value: rps('sqlite') },
    compare({ scenario: 'pg', figure: `placeOrder, ${LABELS.postgres1}, req/s`, unit: 'req/s', value: rps('postgres1') }, sqlite),
    compare(
      { scenario: 'pg', figure: `placeOrder, ${LABELS.postgres2} (connections split), req/s`, unit: 'req/s', value: rps('postgres2') },
      sqlite,
    ),
    ...(['sqlite', 'postgres1', 'postgres2'] as const).map((name) => ({
      scenario: 'pg',
      figure: `placeOrder p99, ${LABELS[name]}`,
      unit: 'ms',
      value: p99(name),
    })),
  ];
  log(`\n${markdownTable(rows)}`);
  const file = join(ROOT, 'bench', 'results', `postgres-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ settings: { seconds, runs, connections, postgres: settings }, rows, raw }, null, 2)}\n`);
  log(`\nWritten to ${file}`);
}

/** Fresh servers for one load (a new SQLite file, or a new schema for the log and new read-side files), measured, stopped. */
async function measure(name: LoadName, directory: string, token: string): Promise<Run> {
  const id = randomBytes(4).toString('hex');
  const schema = name === 'sqlite' ? undefined : `bench_${id}`;
  const env = (instance: number): Record<string, string> => ({
    PORT: '0',
    HOST: '127.0.0.1',
    ORDERSTREAM_DB: join(directory, `${name}-${id}-${instance}.db`),
    ORDERSTREAM_SYNCHRONOUS: 'FULL',
    ORDERSTREAM_JWT_SECRET: AUTH.secret,
    NODE_ENV: '',
    ...BENCH_SERVER_ENV,
    ...(schema && { DATABASE_URL, DATABASE_SCHEMA: schema }),
  });
  const servers: Child[] = [];
  try {
    // One at a time: the first creates the schema and migrates it.
    for (let instance = 1; instance <= (name === 'postgres2' ? 2 : 1); instance++) {
      servers.push(await startChild(`${name}-${instance}`, 'src/cli.ts', ['serve'], env(instance)));
    }
    // The products ordered, in the catalog (one log: once, through the first instance).
    await addBenchProducts(servers[0]!.url, { authorization: `Bearer ${await mintToken(AUTH, { sub: 'staff-1', role: 'staff' })}` });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({ query: PLACE_ORDER, variables: { input: PLACE_ORDER_INPUT } });
    for (const server of servers) await graphql(server.url, headers, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
    // A short warm-up (JIT, pools), not counted; then the servers' read sides settle.
    await load(servers, headers, body, 2);
    await waitIdle(servers);
    return await load(servers, headers, body, seconds);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (schema) await dropSchema(schema);
  }
}

/** autocannon against every server at once, the connections split between them; req/s added up, the worst p99. */
async function load(servers: readonly Child[], headers: Record<string, string>, body: string, duration: number): Promise<Run> {
  const results = await Promise.all(
    servers.map((server) =>
      autocannon({ url: server.url, method: 'POST', headers, body, connections: Math.ceil(connections / servers.length), duration }),
    ),
  );
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requests.average, 0),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    errors: results.reduce((sum, result) => sum + result.errors + result.timeouts, 0),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
  };
}

/** What makes a PostgreSQL commit durable or not, printed with the figures. */
async function postgresSettings(): Promise<Record<string, string>> {
  return withClient(async (client) => {
    const settings: Record<string, string> = {};
    for (const name of ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method']) {
      settings[name] = (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
    }
    return settings;
  });
}

function dropSchema(schema: string): Promise<void> {
  return withClient(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
  });
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
