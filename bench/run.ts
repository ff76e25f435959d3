/**
 * The performance suite of issue 8: every figure against a baseline measured in the same run, on the
 * same machine, because these machines drift by ±30% from run to run.
 *
 *   npm run bench                                  (the whole suite, about 10 minutes)
 *   npx tsx bench/run.ts --quick                   (small sizes, to check the bench itself works)
 *   options: --events N (log size for 5 and 6, default 1,000,000), --seconds N (per autocannon run,
 *            default 10), --runs N (default 3), --subscribers N (default 1,000), --only 1,2,3,4,5,6,
 *            --all-rebuilds (rebuild every projection in 5, not only orderView)
 *
 * 1. Durable appends (synchronous=FULL), in this process: bench/scenarios/appends.ts; 1b. what each
 *    index of the log costs an append: bench/scenarios/logIndexes.ts.
 * 5. A log of --events events written into a temp file, then projection rebuilds on it, in this
 *    process: bench/scenarios/rebuild.ts.
 * 6a. `orderstream serve` started as a child process on that file (caught up): its RSS.
 * 2, 3. placeOrder and order(id) over HTTP against it with autocannon; baseline: the bare Apollo
 *    server (bench/baselines/bareServer.ts), another child: bench/scenarios/http.ts.
 * 4, 6b. Fan-out to --subscribers subscribers of ordersChanged, against the bare graphql-ws server;
 *    the server's RSS with them connected: bench/scenarios/fanout.ts.
 * Prints the table (Markdown, as in docs/performance.md) and writes everything to bench/results/bench-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/tokens.js';
import { type Child, startChild, waitIdle } from './lib/children.js';
import { log, markdownTable, round, type Row } from './lib/report.js';
import { appendScenario } from './scenarios/appends.js';
import { logIndexScenario } from './scenarios/logIndexes.js';
import { fanOutScenario } from './scenarios/fanout.js';
import { addBenchProducts, BENCH_SERVER_ENV, httpScenarios } from './scenarios/http.js';
import { fillLog, rebuildScenario } from './scenarios/rebuild.js';
import { positiveWholeNumber } from './lib/options.js';
import { machineInfo } from './lib/machine.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    subscribers: { type: 'string' },
    only: { type: 'string' },
    'all-rebuilds': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const number = positiveWholeNumber;
const settings = {
  events: number('events', values.events, quick ? 30_000 : 1_000_000),
  seconds: number('seconds', values.seconds, quick ? 3 : 10),
  runs: number('runs', values.runs, quick ? 1 : 3),
  subscribers: number('subscribers', values.subscribers, quick ? 100 : 1_000),
  appendSeconds: quick ? 1 : 3,
  connections: 50,
};
const only = new Set((values.only ?? '1,2,3,4,5,6').split(',').map((part) => part.trim()));

const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const machine = machineInfo();
  log(`orderstream bench on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${JSON.stringify(settings)}`);
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-'));
  const children: Child[] = [];
  try {
    if (only.has('1')) {
      log('\n1. Durable appends (synchronous=FULL), one event per command…');
      const appends = await appendScenario({ seconds: settings.appendSeconds, runs: settings.runs, concurrency: 50 });
      rows.push(...appends.rows);
      raw.appends = appends.raw;
      log('\n1b. What each index of the log costs an append…');
      const indexes = await logIndexScenario({ seconds: settings.appendSeconds, runs: settings.runs, prefill: quick ? 20_000 : 200_000 });
      rows.push(...indexes.rows);
      raw.logIndexes = indexes.raw;
    }

    if (![...only].some((part) => ['2', '3', '4', '5', '6'].includes(part))) return;
    const file = join(directory, 'orderstream.db');
    log(`\n5. Writing a log of ${settings.events.toLocaleString('en-US')} events…`);
    const fillStart = performance.now();
    const orders = fillLog(file, settings.events);
    raw.log = {
      events: settings.events,
      orders,
      seconds: round((performance.now() - fillStart) / 1000, 1),
      mb: Math.round(statSync(file).size / 1e6),
    };
    log(`   ${JSON.stringify(raw.log)}`);
    if (only.has('5')) {
      log('   projection rebuilds against a bare read of the log…');
      const rebuild = await rebuildScenario(file, settings.events, values['all-rebuilds']);
      rows.push(...rebuild.rows);
      raw.rebuild = rebuild.raw;
    }
    if (![...only].some((part) => ['2', '3', '4', '6'].includes(part))) return;

    log('\n6. Starting orderstream (child process) on that log, and the bare baseline server…');
    const server = await startChild(
      'orderstream',
      'src/cli.ts',
      ['serve'],
      {
        PORT: '0',
        HOST: '127.0.0.1',
        ORDERSTREAM_DB: file,
        ORDERSTREAM_SYNCHRONOUS: 'FULL',
        ORDERSTREAM_JWT_SECRET: AUTH.secret,
        NODE_ENV: '',
        ...BENCH_SERVER_ENV,
      },
      process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [],
    );
    children.push(server);
    const bare = await startChild('bare', 'bench/baselines/bareServer.ts', []);
    children.push(bare);
    const tokens = {
      customer: await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' }),
      staff: await mintToken(AUTH, { sub: 'staff-1', role: 'staff' }),
    };
    // What the customer orders (scenarios 2 and 4), in the catalog.
    await addBenchProducts(server.url, { authorization: `Bearer ${tokens.staff}` });
    await waitIdle([server, bare]);
    const idle = { orderstream: server.memory(), bare: bare.memory() };
    raw.memoryIdle = idle;
    rows.push(
      memoryRow(
        `server RSS, ${settings.events.toLocaleString('en-US')} events in the log (peak since start ${idle.orderstream.peakRssMB} MB)`,
        idle.orderstream.rssMB,
        { name: 'bare server, idle', value: idle.bare.rssMB },
        200,
      ),
    );

    if (only.has('2') || only.has('3')) {
      log(`\n2, 3. HTTP: ${settings.runs} runs of ${settings.seconds} s, ${settings.connections} connections…`);
      const http = await httpScenarios(server, bare, tokens.customer, {
        seconds: settings.seconds,
        runs: settings.runs,
        connections: settings.connections,
      });
      rows.push(...http.rows);
      raw.http = http.raw;
    }

    if (only.has('4') || only.has('6')) {
      log(`\n4. Fan-out to ${settings.subscribers} subscribers…`);
      let subscribed: ReturnType<Child['memory']> | undefined;
      const fanOut = await fanOutScenario(
        server,
        bare,
        tokens,
        {
          subscribers: settings.subscribers,
          changes: quick ? 20 : 100,
          seconds: settings.seconds,
          inFlight: 4,
        },
        () => (subscribed = server.memory()),
      );
      rows.push(...fanOut.rows);
      raw.fanOut = fanOut.raw;
      const after = server.memory();
      raw.memoryWithSubscribers = { connected: subscribed, afterFanOut: after, bareAfterFanOut: bare.memory() };
      rows.push(
        memoryRow(
          `server RSS, ${settings.subscribers} subscribers connected (peak during fan-out ${after.peakRssMB} MB)`,
          subscribed!.rssMB,
          {
            name: `bare server after its fan-out`,
            value: (raw.memoryWithSubscribers as { bareAfterFanOut: { rssMB: number } }).bareAfterFanOut.rssMB,
          },
        ),
      );
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    rmSync(directory, { recursive: true, force: true });
    if (rows.length > 0) report(rows, raw, machine);
  }
}

function memoryRow(figure: string, rssMB: number, baseline: { name: string; value: number }, goalMB?: number): Row {
  return {
    scenario: '6',
    figure,
    unit: 'MB',
    value: rssMB,
    baseline,
    ratio: round(rssMB / baseline.value, 2),
    ...(goalMB !== undefined && { goal: `≤ ${goalMB} MB`, met: rssMB <= goalMB }),
  };
}

function report(rows: Row[], raw: Record<string, unknown>, machine: ReturnType<typeof machineInfo>): void {
  const table = markdownTable(rows);
  log(
    `\n${table}\n\nMachine: ${machine.cpu}, ${machine.cores} cores (nproc ${machine.nproc}), ${machine.memoryGB} GB, Node ${machine.node}, SQLite ${machine.sqlite}`,
  );
  const timestamp = new Date().toISOString();
  const resultsDirectory = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDirectory, { recursive: true });
  const resultFile = join(resultsDirectory, `bench-${timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    resultFile,
    `${JSON.stringify({ timestamp, command: process.argv.slice(1).join(' '), machine, settings, rows, raw, table }, null, 2)}\n`,
  );
  log(`Wrote ${resultFile}`);
}

await main();
