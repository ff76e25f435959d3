/**
 * Issue 21: does orderstream stay as fast once the shop has aged? Every figure against a baseline
 * measured in the same run (these machines drift by ±30% from run to run).
 *
 *   npx tsx bench/aging.ts                      (about 4 minutes on 2 cores)
 *   npx tsx bench/aging.ts --quick              (small sizes, about 40 s, to check the bench itself works)
 *   options: --orders N (the aged shop, default 100,000), --young-orders N (default 1,000),
 *            --products N (both shops, default 100,000), --seconds N (per load, default 10),
 *            --runs N (loads per shop, alternating, default 2), --connections N (default 50),
 *            --replay-wait N (s, default 20), --drain-timeout N (s, default 120),
 *            --stream-events N (figure 4, default 100,000)
 *
 * Two shops, each a log generated as NDJSON and imported with the CLI (bench/scenarios/agedShopServer.ts),
 * then served by `orderstream serve` in a child process: young (--young-orders orders) and aged
 * (--orders orders, 3 × products + 7 × orders events: 1,000,000 by default). Every order has two lines:
 * one product all of them reserved (the "hot" one), one of the others; each reservation ended
 * (committed or released). Then, in this order:
 *
 * 6. RSS of both servers, caught up and then idle for a minute (V8 gives a catch-up's heap back once idle): the aged one against the goal, the young one beside it;
 *    first after the start that built the read models from the import, then after a restart.
 * 1, 2. placeOrder from a customer, 2 lines of products no other order of the load holds, --connections
 *    for --seconds, young and aged alternating (bench/scenarios/orderLoad.ts); after each load, the time
 *    until orderFulfilment has handled every order, and a check that each got its two reservations.
 *    1: fully processed/s ÷ answered/s; 2: aged ÷ young answered/s. Medians of the runs.
 * 5. The same load on the young server with every order holding the same two products, against the
 *    young runs of 1, 2.
 * 3. With the servers stopped: loading the hot product (every aged order reserved it) against a fresh
 *    one, as inventory commands load them (bench/scenarios/aggregateLoads.ts).
 * 4. Product streams of --stream-events and 10 events written into a new log: loading each.
 * Prints progress to stderr, the table (Markdown, as in docs/performance.md) to stdout, and writes everything
 * to bench/results/aging-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/tokens.js';
import { poolProductId, SHOP_PRODUCTS } from './lib/agedShop.js';
import { type Child, waitIdle } from './lib/children.js';
import { LogReader } from './lib/logReader.js';
import { machineInfo, type MachineInfo } from './lib/machine.js';
import { compare, log, markdownTable, median, round, type Row } from './lib/report.js';
import { timeProductLoads, timeStreamLengths } from './scenarios/aggregateLoads.js';
import { buildShop, type Shop, type ShopServer, startShopServer } from './scenarios/agedShopServer.js';
import { BENCH_SERVER_ENV } from './scenarios/http.js';
import { describeRun, type LinesOf, type LoadTarget, orderLoad, type OrderLoadRun } from './scenarios/orderLoad.js';
import { positiveWholeNumber } from './lib/options.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    orders: { type: 'string' },
    'young-orders': { type: 'string' },
    products: { type: 'string' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    connections: { type: 'string' },
    'replay-wait': { type: 'string' },
    'drain-timeout': { type: 'string' },
    'stream-events': { type: 'string' },
  },
});
const quick = values.quick;
const number = positiveWholeNumber;
const settings = {
  orders: number('orders', values.orders, quick ? 5_000 : 100_000),
  youngOrders: number('young-orders', values['young-orders'], quick ? 200 : 1_000),
  products: number('products', values.products, quick ? 5_000 : 100_000),
  seconds: number('seconds', values.seconds, quick ? 3 : 10),
  runs: number('runs', values.runs, quick ? 1 : 2),
  connections: number('connections', values.connections, 50),
  replayWaitSeconds: number('replay-wait', values['replay-wait'], quick ? 5 : 20),
  drainTimeoutSeconds: number('drain-timeout', values['drain-timeout'], quick ? 30 : 120),
  streamEvents: number('stream-events', values['stream-events'], quick ? 10_000 : 100_000),
  warmUpSeconds: 2,
};

const AUTH = { secret: 'orderstream-bench-secret-0123456789abcdef', issuer: 'orderstream', audience: 'orderstream' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** How long a caught-up server idles before its RSS is read. */
const IDLE_BEFORE_RSS_MS = 60_000;
const GOALS = { fullyProcessed: 0.9, aged: 0.9, productLoad: 2, streamLoad: 3, sameProduct: 0.5, rssMB: 200 };
const progress = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (value: number) => value.toLocaleString('en-US');

async function main(): Promise<void> {
  const machine = machineInfo();
  progress(
    `orderstream aging bench on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}; ${JSON.stringify(settings)}`,
  );
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-aging-'));
  const servers: Child[] = [];
  const readers: LogReader[] = [];
  try {
    const admin = { authorization: `Bearer ${await mintToken(AUTH, { sub: 'admin-1', role: 'admin' })}` };
    const customer = {
      customerId: 'cust-1',
      headers: { authorization: `Bearer ${await mintToken(AUTH, { sub: 'user-cust-1', role: 'customer', customerId: 'cust-1' })}` },
    };
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      ORDERSTREAM_SYNCHRONOUS: 'FULL',
      ORDERSTREAM_JWT_SECRET: AUTH.secret,
      NODE_ENV: '',
      // One customer places every order of the loads and pays none: no cap, and no expiry mid-bench.
      ...BENCH_SERVER_ENV,
      ORDERSTREAM_PAYMENT_TIMEOUT: '720h',
    };

    // The shops: logs, imports, servers.
    progress('\nWriting and importing the two shops…');
    const shops: Record<'young' | 'aged', Shop> = {
      young: await buildShop(ROOT, directory, 'young', { orders: settings.youngOrders, products: settings.products }, progress),
      aged: await buildShop(ROOT, directory, 'aged', { orders: settings.orders, products: settings.products }, progress),
    };
    progress('\nStarting `orderstream serve` on each…');
    const started: Record<'young' | 'aged', ShopServer> = {
      young: await startShopServer(ROOT, shops.young, env, admin, settings.replayWaitSeconds, progress),
      aged: await startShopServer(ROOT, shops.aged, env, admin, settings.replayWaitSeconds, progress),
    };
    servers.push(started.young.server, started.aged.server);
    raw.shops = Object.fromEntries(
      (['young', 'aged'] as const).map((name) => [name, { ...shops[name], file: undefined, ...started[name], server: undefined }]),
    );

    // 6. Memory, caught up and idle: after the start that built the read models, then after a restart.
    await waitIdle(servers);
    await idleForAMinute();
    const memory = { young: started.young.server.memory(), aged: started.aged.server.memory() };
    progress(
      `6. RSS after the first start (read models built from the import): aged ${memory.aged.rssMB} MB (peak ${memory.aged.peakRssMB}), young ${memory.young.rssMB} MB (peak ${memory.young.peakRssMB}); restarting both…`,
    );
    for (const name of ['young', 'aged'] as const) {
      await started[name].server.stop();
      servers.splice(servers.indexOf(started[name].server), 1);
      started[name] = await startShopServer(ROOT, shops[name], env, admin, settings.replayWaitSeconds, progress);
      servers.push(started[name].server);
    }
    await waitIdle(servers);
    await idleForAMinute();
    const restartedMemory = { young: started.young.server.memory(), aged: started.aged.server.memory() };
    raw.memory = {
      firstStart: memory,
      restarted: restartedMemory,
      restart: { young: started.young.startSeconds, aged: started.aged.startSeconds },
    };
    progress(`   RSS after a restart: aged ${restartedMemory.aged.rssMB} MB, young ${restartedMemory.young.rssMB} MB`);

    // 1, 2. The loads, young and aged alternating.
    const target = (name: 'young' | 'aged'): LoadTarget => {
      const reader = new LogReader(shops[name].file);
      readers.push(reader);
      return { name, server: started[name].server, log: reader, customer, adminHeaders: admin };
    };
    const targets = { young: target('young'), aged: target('aged') };
    const pool = shops.aged.log.poolProducts;
    const distinct: LinesOf = (k) => [poolProductId((2 * k) % pool), poolProductId((2 * k + 1) % pool)];
    const nextOrder = { young: 0, aged: 0 };
    const load = async (name: 'young' | 'aged', lines: LinesOf, seconds: number) => {
      const { nextOrder: next, ...run } = await orderLoad(targets[name], lines, nextOrder[name], {
        seconds,
        connections: settings.connections,
        drainTimeoutSeconds: settings.drainTimeoutSeconds,
      });
      nextOrder[name] = next;
      progress(`   ${describeRun(run)}`);
      await waitIdle(servers);
      return run;
    };
    progress(
      `\n1, 2. placeOrder, ${settings.connections} connections, 2 lines of products no other order holds: warm-up of ${settings.warmUpSeconds} s each, then ${settings.runs} × ${settings.seconds} s each…`,
    );
    const warmUp = [await load('young', distinct, settings.warmUpSeconds), await load('aged', distinct, settings.warmUpSeconds)];
    const runs: Record<'young' | 'aged', OrderLoadRun[]> = { young: [], aged: [] };
    for (let run = 1; run <= settings.runs; run++) {
      for (const name of run % 2 ? (['young', 'aged'] as const) : (['aged', 'young'] as const))
        runs[name].push(await load(name, distinct, settings.seconds));
    }

    // 5. Every order the same two products, on the young server.
    progress(
      `\n5. placeOrder, every order holding ${SHOP_PRODUCTS.sameA} and ${SHOP_PRODUCTS.sameB}, ${settings.seconds} s on the young server…`,
    );
    const same = await load('young', () => [SHOP_PRODUCTS.sameA, SHOP_PRODUCTS.sameB], settings.seconds);
    raw.loads = { warmUp, runs, same };
    if (2 * Math.max(nextOrder.young, nextOrder.aged) > pool)
      progress(`   note: the loads placed more orders than there are products for distinct pairs (${fmt(pool)}); pairs repeated`);

    await Promise.all(servers.map((server) => server.stop()));
    for (const reader of readers.splice(0)) reader.close();

    // 3. Loading a product every aged order reserved, against a fresh one.
    progress('\n3. Loading the hot product and a fresh one, as inventory commands do…');
    const products = await timeProductLoads(shops.aged.file, [SHOP_PRODUCTS.hot, SHOP_PRODUCTS.fresh]);
    raw.productLoads = products;
    type Cases = (typeof products.loads)[0];
    const [hotCases, freshCases] = products.loads as [Cases, Cases];
    const { worst: hot } = hotCases;
    const fresh = freshCases.worst;
    const every = products.snapshotEvery;
    progress(
      `   hot (${fmt(hot.events)} events): ${hot.medianMs} ms with its snapshot ${hot.eventsAfterSnapshot} events behind, ${hotCases.best.medianMs} ms with it at the end; ` +
        `fresh (${fresh.events} events): ${fresh.medianMs} ms; hot with no snapshot yet (first load after the import): ${products.firstLoadWithoutSnapshot.medianMs} ms`,
    );

    // 4. A long product stream against a short one.
    progress(`\n4. Loading product streams of ${fmt(settings.streamEvents)} and 10 events…`);
    const [shortCases, longCases] = (await timeStreamLengths(join(directory, 'streams.db'), [10, settings.streamEvents])) as [Cases, Cases];
    raw.streamLoads = { short: shortCases, long: longCases };
    const short = shortCases.worst;
    const long = longCases.worst;
    progress(
      `   ${fmt(long.events)} events: ${long.medianMs} ms with the snapshot ${long.eventsAfterSnapshot} events behind, ${longCases.best.medianMs} ms with it at the end; ` +
        `10 events: ${short.medianMs} ms (${short.eventsAfterSnapshot} after its snapshot)`,
    );

    // The table.
    const medianOf = (list: OrderLoadRun[], pick: (run: OrderLoadRun) => number) => round(median(list.map(pick)), 1);
    for (const name of ['young', 'aged'] as const) {
      const list = runs[name];
      const orders = shops[name].log.orders;
      const incomplete = list.filter((run) => run.reserved < 2 * run.placed || run.rejected > 0 || run.parked > 0);
      const undrained = list.filter((run) => run.drainSeconds === null).length;
      // A load that did not drain counts its timeout as drain time: an upper bound.
      const fully = medianOf(list, (run) => run.answered / (run.loadSeconds + (run.drainSeconds ?? settings.drainTimeoutSeconds)));
      const row = compare(
        {
          scenario: '1',
          figure:
            `orders fully processed/s (answered, both reservations made), ${name} shop (${fmt(orders)} orders)` +
            (undrained ? `; ${undrained} run(s) NOT drained in ${settings.drainTimeoutSeconds} s` : '') +
            (incomplete.length ? `; reservations MISSING in ${incomplete.length} run(s)` : ''),
          unit: 'orders/s',
          value: fully,
        },
        { name: 'orders answered/s', value: medianOf(list, (run) => run.answeredPerSecond) },
        { min: GOALS.fullyProcessed },
      );
      rows.push(incomplete.length ? { ...row, met: false } : row);
      rows.push({
        scenario: '1',
        figure: `orderFulfilment lag during the load, max (${name}; sampled every 0.5 s)`,
        unit: 'orders',
        value: Math.max(...list.map((run) => run.maxLag.orders)),
        note: `${Math.max(...list.map((run) => run.maxLag.events))} events`,
      });
      rows.push({
        scenario: '1',
        figure: `… age of the oldest order not yet handled, max (${name})`,
        unit: 's',
        value: Math.max(...list.map((run) => run.maxLag.oldestOrderAgeSeconds)),
      });
    }
    const youngRate = medianOf(runs.young, (run) => run.answeredPerSecond);
    rows.push(
      compare(
        {
          scenario: '2',
          figure: `placeOrder req/s after ${fmt(settings.orders)} orders (${settings.connections} connections, 2 lines)`,
          unit: 'req/s',
          value: medianOf(runs.aged, (run) => run.answeredPerSecond),
        },
        { name: `after ${fmt(settings.youngOrders)} orders`, value: youngRate },
        { min: GOALS.aged },
      ),
    );
    // Loads take microseconds: the table shows µs (the JSON keeps ms).
    const us = (ms: number) => round(ms * 1000, 1);
    rows.push(
      compare(
        {
          scenario: '3',
          figure: `load a product ${fmt(settings.orders)} orders reserved (${fmt(hot.events)} events; snapshot every ${every}, worst case: ${hot.eventsAfterSnapshot} events after it)`,
          unit: 'µs',
          value: us(hot.medianMs),
        },
        { name: `a fresh product, ${fresh.events} events, no snapshot`, value: us(fresh.medianMs) },
        { max: GOALS.productLoad },
      ),
    );
    rows.push(
      compare(
        { scenario: '3', figure: '… best case: its snapshot at the last event', unit: 'µs', value: us(hotCases.best.medianMs) },
        { name: 'a fresh product', value: us(fresh.medianMs) },
      ),
    );
    rows.push(
      compare(
        {
          scenario: '3',
          figure: '… no snapshot yet (the first load after the import)',
          unit: 'µs',
          value: us(products.firstLoadWithoutSnapshot.medianMs),
        },
        { name: 'a fresh product', value: us(fresh.medianMs) },
      ),
    );
    rows.push(
      compare(
        {
          scenario: '4',
          figure: `load a ${fmt(long.events)}-event product stream (snapshot every ${every}, worst case: ${long.eventsAfterSnapshot} events after it)`,
          unit: 'µs',
          value: us(long.medianMs),
        },
        { name: `a ${short.events}-event stream, worst case: ${short.eventsAfterSnapshot} after its snapshot`, value: us(short.medianMs) },
        { max: GOALS.streamLoad },
      ),
    );
    rows.push(
      compare(
        { scenario: '4', figure: '… best case: the snapshot at the last event', unit: 'µs', value: us(longCases.best.medianMs) },
        { name: `the ${short.events}-event stream, best case`, value: us(shortCases.best.medianMs) },
      ),
    );
    const sameErrors = same.errors + same.non2xx + same.graphqlErrors;
    const sameRow = compare(
      {
        scenario: '5',
        figure: `placeOrder req/s, every order the same 2 products (${sameErrors} errors)`,
        unit: 'req/s',
        value: same.answeredPerSecond,
      },
      { name: 'every order 2 products of its own (young shop, the runs of 2)', value: youngRate },
      { min: GOALS.sameProduct },
    );
    rows.push({ ...sameRow, goal: `≥ ${GOALS.sameProduct}, 0 errors`, met: sameRow.met === true && sameErrors === 0 });
    rows.push(
      same.drainSeconds === null
        ? {
            scenario: '5',
            figure: `… its orders NOT all fully processed ${settings.drainTimeoutSeconds} s after the load (${same.reserved} of ${2 * same.placed} reservations made)`,
            unit: 'orders/s',
            value: round(same.answered / (same.loadSeconds + settings.drainTimeoutSeconds), 1),
          }
        : compare(
            {
              scenario: '5',
              figure: `… its orders fully processed/s (drained ${same.drainSeconds} s after the load; ${same.reserved} of ${2 * same.placed} reservations)`,
              unit: 'orders/s',
              value: same.fullyProcessedPerSecond!,
            },
            { name: 'its orders answered/s', value: same.answeredPerSecond },
          ),
    );
    const rssRow = (figure: string, aged: number, young: number): Row => ({
      scenario: '6',
      figure,
      unit: 'MB',
      value: aged,
      baseline: { name: `young shop, ${fmt(shops.young.log.events)} events`, value: young },
      ratio: round(aged / young, 2),
      goal: `≤ ${GOALS.rssMB} MB`,
      met: aged <= GOALS.rssMB,
    });
    rows.push(
      rssRow(
        `server RSS, ${fmt(shops.aged.log.events)} events and ${fmt(settings.products)} products' history imported, after the start that built its read models (peak ${memory.aged.peakRssMB} MB)`,
        memory.aged.rssMB,
        memory.young.rssMB,
      ),
    );
    rows.push(rssRow('… the same server restarted on its caught-up log', restartedMemory.aged.rssMB, restartedMemory.young.rssMB));
  } finally {
    for (const reader of readers) reader.close();
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(directory, { recursive: true, force: true });
    if (rows.length > 0) report(rows, raw, machine);
  }
}

function report(rows: Row[], raw: Record<string, unknown>, machine: MachineInfo): void {
  const sorted = [...rows].sort((a, b) => a.scenario.localeCompare(b.scenario));
  const table = markdownTable(sorted);
  log(
    `\n${table}\n\nMachine: ${machine.cpu}, ${machine.cores} cores (nproc ${machine.nproc}), ${machine.memoryGB} GB, Node ${machine.node}, SQLite ${machine.sqlite}, load average at start ${machine.loadAverageAtStart.join(' ')}`,
  );
  const timestamp = new Date().toISOString();
  const resultsDirectory = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDirectory, { recursive: true });
  const resultFile = join(resultsDirectory, `aging-${timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    resultFile,
    `${JSON.stringify({ timestamp, command: ['npx tsx', relative(ROOT, process.argv[1]!), ...process.argv.slice(2)].join(' '), machine, settings, goals: GOALS, rows: sorted, raw, table }, null, 2)}\n`,
  );
  log(`Wrote ${resultFile}`);
}

await main();

/**
 * Lets the servers idle for a minute after their catch-up: V8's memory reducer gives a catch-up's
 * heap back only once the process has been idle for a while (here 10–30 s after 1,000,000 events),
 * and an idle server is what the figure is about.
 */
async function idleForAMinute(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_BEFORE_RSS_MS));
}
