/**
 * Durable placeOrder throughput with the log in PostgreSQL (DATABASE_URL), on one and on two
 * instances sharing it, beside the same server on SQLite (synchronous=FULL), all in one run:
 *
 *   npx tsx bench/postgresInstances.ts [--seconds 10] [--runs 3] [--connections 50] [--only sqlite,postgres1,postgres2]
 *
 * PostgreSQL comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); the bench
 * uses a fresh schema per load and drops it after. Every server is `orderstream serve` in a child
 * process; autocannon runs here. With two instances the connections are split between them and
 * their req/s added up. Each run measures the three loads in rotated order, so drift hits all
 * alike; figures are medians. Then what limits scale-out: the transactions PostgreSQL committed per
 * placeOrder during the one-instance loads (pg_stat_database), and the time the one log-wide lock
 * (events_draw_positions: assign the transaction id, draw the positions) is held per append, measured
 * as 5,000 draws each in a transaction of its own (an upper bound), with the ceiling it sets for any
 * number of instances. Writes everything to bench/results/postgres-<time>.json. `--only` measures
 * the loads it names and prints their runs, nothing else (no table, no counting passes): for
 * looking at one load while changing the code.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { createPool } from '../src/eventstore/postgres/connection.js';
import { migrate } from '../src/eventstore/postgres/schema.js';
import { type Child, startChild, waitIdle } from './lib/children.js';
import { compare, log, markdownTable, median, round, type Row } from './lib/report.js';
import { addBenchProducts, BENCH_SERVER_ENV, graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './scenarios/http.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, runs: { type: 'string' }, connections: { type: 'string' }, only: { type: 'string' } },
});
const seconds = Number(values.seconds ?? 10);
const runs = Number(values.runs ?? 3);
const connections = Number(values.connections ?? 50);
const only = values.only?.split(',') as LoadName[] | undefined;
if (only?.some((load) => !['sqlite', 'postgres1', 'postgres2'].includes(load))) {
  throw new Error(`--only takes sqlite, postgres1 and postgres2, got ${values.only}`);
}
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

type LoadName = 'sqlite' | 'postgres1' | 'postgres2';
type Run = {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  requests: number;
  transactions: number;
  /** Statements the servers sent PostgreSQL during the load (counting passes only). */
  statements?: number;
};
/** How long each statement-counting pass loads the servers: apart from the measured runs, as counting costs a little. */
const COUNTING_SECONDS = 5;
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
  let counted: Record<'postgres1' | 'postgres2', Run>;
  try {
    const order: LoadName[] = ['sqlite', 'postgres1', 'postgres2'];
    for (let run = 1; run <= runs; run++) {
      // Rotate, so no load always goes first (or last) on a machine that drifts.
      for (const name of [...order.slice(run - 1), ...order.slice(0, run - 1)].filter((load) => !only || only.includes(load))) {
        const result = await measure(name, directory, token);
        raw[name].push(result);
        log(
          `  run ${run}: ${LABELS[name]}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms` +
            (result.errors + result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''),
        );
      }
    }
    if (only) return;
    // Statements per placeOrder, in passes of their own (the count wraps every query).
    counted = {
      postgres1: await measure('postgres1', directory, token, { countStatements: true }),
      postgres2: await measure('postgres2', directory, token, { countStatements: true }),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const statementsPerOrder = (name: keyof typeof counted) => round(counted[name].statements! / counted[name].requests, 1);
  log(`  statements per placeOrder: one instance ${statementsPerOrder('postgres1')}, two instances ${statementsPerOrder('postgres2')}`);
  const drawMicros = await drawLockMicros();
  log(`  the log-wide lock: ${drawMicros} µs per append (events_draw_positions)`);
  const rps = (name: LoadName) => round(median(raw[name].map((run) => run.requestsPerSecond)));
  const p99 = (name: LoadName) => median(raw[name].map((run) => run.p99Ms));
  const sqlite = { name: LABELS.sqlite, value: rps('sqlite') };
  const onePostgres = { name: LABELS.postgres1, value: rps('postgres1') };
  const perOrder = median(raw.postgres1.map((run) => run.transactions / run.requests));
  const rows: Row[] = [
    { scenario: 'pg', figure: `placeOrder, ${LABELS.sqlite} (synchronous=FULL), req/s`, unit: 'req/s', value: rps('sqlite') },
    compare({ scenario: 'pg', figure: `placeOrder, ${LABELS.postgres1}, req/s`, unit: 'req/s', value: rps('postgres1') }, sqlite, {
      min: 0.5,
    }),
    compare(
      { scenario: 'pg', figure: `placeOrder, ${LABELS.postgres2} (connections split), req/s`, unit: 'req/s', value: rps('postgres2') },
      onePostgres,
      { min: 1 },
    ),
    { scenario: 'pg', figure: `placeOrder p99, ${LABELS.sqlite}`, unit: 'ms', value: p99('sqlite') },
    compare(
      { scenario: 'pg', figure: `placeOrder p99, ${LABELS.postgres1}`, unit: 'ms', value: p99('postgres1') },
      {
        name: LABELS.sqlite,
        value: p99('sqlite'),
      },
      { max: 2 },
    ),
    { scenario: 'pg', figure: `placeOrder p99, ${LABELS.postgres2}`, unit: 'ms', value: p99('postgres2') },
    {
      scenario: 'pg',
      figure: 'PostgreSQL transactions committed per placeOrder (one instance)',
      unit: 'transactions',
      value: round(perOrder, 2),
    },
    { scenario: 'pg', figure: 'statements sent per placeOrder, one instance', unit: 'statements', value: statementsPerOrder('postgres1') },
    {
      scenario: 'pg',
      figure: 'statements sent per placeOrder, two instances (both together)',
      unit: 'statements',
      value: statementsPerOrder('postgres2'),
    },
    { scenario: 'pg', figure: 'log-wide lock held per append (drawing positions), upper bound', unit: 'µs', value: drawMicros },
    compare(
      { scenario: 'pg', figure: 'ceiling that lock sets, any number of instances', unit: 'appends/s', value: round(1e6 / drawMicros) },
      onePostgres,
      { min: 10 },
    ),
  ];
  log(`\n${markdownTable(rows)}`);
  const file = join(ROOT, 'bench', 'results', `postgres-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ settings: { seconds, runs, connections, postgres: settings }, rows, raw }, null, 2)}\n`);
  log(`\nWritten to ${file}`);
}

/** Fresh servers for one load (a new SQLite file, or a new schema for the log and new read-side files), measured, stopped. */
async function measure(name: LoadName, directory: string, token: string, { countStatements = false } = {}): Promise<Run> {
  const id = randomBytes(4).toString('hex');
  const countsFile = (instance: number) => join(directory, `${name}-${id}-${instance}.statements.json`);
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
    ...(countStatements && { ORDERSTREAM_QUERY_COUNTS: countsFile(instance) }),
  });
  const servers: Child[] = [];
  const instances = name === 'postgres2' ? 2 : 1;
  const countedSoFar = () =>
    Array.from({ length: instances }, (_, index) => statementsIn(countsFile(index + 1))).reduce((a, b) => a + b, 0);
  try {
    // One at a time: the first creates the schema and migrates it.
    for (let instance = 1; instance <= instances; instance++) {
      const preload = countStatements ? ['--import', './bench/lib/countQueries.mjs'] : [];
      servers.push(await startChild(`${name}-${instance}`, 'src/cli.ts', ['serve'], env(instance), preload));
    }
    // The products ordered, in the catalog (one log: once, through the first instance).
    await addBenchProducts(servers[0]!.url, { authorization: `Bearer ${await mintToken(AUTH, { sub: 'staff-1', role: 'staff' })}` });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({ query: PLACE_ORDER, variables: { input: PLACE_ORDER_INPUT } });
    for (const server of servers) await graphql(server.url, headers, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
    // A short warm-up (JIT, pools), not counted; then the servers' read sides settle.
    await load(servers, headers, body, 2);
    await waitIdle(servers);
    if (!countStatements) return await load(servers, headers, body, seconds);
    // The counts are written every second: each reading waits for the next writing.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = countedSoFar();
    const run = await load(servers, headers, body, COUNTING_SECONDS);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    return { ...run, statements: countedSoFar() - before };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (schema) await dropSchema(schema);
  }
}

/**
 * autocannon against every server at once, the connections split between them; req/s added up, the
 * worst p99, and the transactions PostgreSQL committed meanwhile (all of this database's).
 */
async function load(servers: readonly Child[], headers: Record<string, string>, body: string, duration: number): Promise<Run> {
  const committedBefore = await committedTransactions();
  const results = await Promise.all(
    servers.map((server) =>
      autocannon({ url: server.url, method: 'POST', headers, body, connections: Math.ceil(connections / servers.length), duration }),
    ),
  );
  const transactions = (await committedTransactions()) - committedBefore;
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requests.average, 0),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    errors: results.reduce((sum, result) => sum + result.errors + result.timeouts, 0),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    requests: results.reduce((sum, result) => sum + result.requests.total, 0),
    transactions,
  };
}

/** Transactions committed in this database so far (statistics are flushed within a second: waited for). */
async function committedTransactions(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1200));
  return withClient(async (client) => {
    const { rows } = await client.query<{ commits: string }>(
      'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]!.commits);
  });
}

/**
 * µs per events_draw_positions(1) in a fresh log, each in a transaction of its own (so each assigns a
 * transaction id, as an append does), commits not waiting for the disk: the lock is held for less.
 */
async function drawLockMicros(draws = 5_000): Promise<number> {
  const schema = `bench_draw_${randomBytes(4).toString('hex')}`;
  const pool = createPool({ connectionString: DATABASE_URL, schema }, { max: 1 });
  try {
    await withClient((client) => client.query(`CREATE SCHEMA ${schema}`));
    await migrate(pool);
    await pool.query('SET synchronous_commit = off');
    const started = performance.now();
    await pool.query(`DO $$ BEGIN FOR i IN 1..${draws} LOOP PERFORM events_draw_positions(1); COMMIT; END LOOP; END $$`);
    return round(((performance.now() - started) * 1000) / draws, 1);
  } finally {
    await pool.end();
    await dropSchema(schema);
  }
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

/** The statements counted so far in a server's counts file (bench/lib/countQueries.mjs); 0 before the first writing. */
function statementsIn(file: string): number {
  if (!existsSync(file)) return 0;
  const counts = JSON.parse(readFileSync(file, 'utf8')) as [string, number][];
  return counts.reduce((sum, [, count]) => sum + count, 0);
}
