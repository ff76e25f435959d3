/**
 * How fast does a projection rebuild read the log, compared with a bare read of the log?
 *
 *   npx tsx bench/rebuild.ts [eventCount]        (default 1,000,000)
 *
 * 1. Fills a temp SQLite log with `eventCount` Order events (placed / paid / shipped / cancelled over
 *    roughly eventCount / 2.7 orders), appended through SqliteEventStore, batched in transactions.
 * 2. Baseline: one `SELECT … ORDER BY position` over the whole log, iterating rows and JSON.parse-ing
 *    data and metadata (best of two runs). Also shown: the same log read through store.readAll pages
 *    of 2,000, which is how the runner reads.
 * 3. Starts a ProjectionEngine over readModels (the first build of every projection,
 *    concurrently), then `engine.rebuild(name)` for each projection in turn: events/s, the ratio to
 *    the baseline, and the longest stretch the event loop ran no timer while it ran (what a server
 *    doing the rebuild in-process would leave its requests waiting).
 * Prints a table and writes JSON to bench/results/rebuild-<timestamp>.json. The temp log is deleted.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ORDER_STREAM_TYPE, type OrderEvent, orderStreamId } from '../src/domain/order/index.js';
import type { NewEvent } from '../src/eventstore/eventStore.js';
import { openDatabase } from '../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqliteEventStore.js';
import { readModels } from '../src/projections/definitions.js';
import { ProjectionEngine } from '../src/projections/sqlite/engine.js';
import { lifecycle } from './lib/orderLifecycle.js';
import { bareRead } from './lib/bareRead.js';

const APPEND_BATCH = 10_000;
const ORDERS_PER_BLOCK = 1_000;
const READ_PAGE = 2_000;

type Figure = { figure: string; events: number; seconds: number; eventsPerSecond: number; ratio?: number; maxEventLoopStallMs?: number };

async function main(): Promise<void> {
  const eventCount = parseCount(process.argv[2]);
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-'));
  const databaseFile = join(directory, 'bench.db');
  const db = openDatabase(databaseFile, { synchronous: 'NORMAL' });
  const store = new SqliteEventStore(db);
  let engine: ProjectionEngine | undefined;

  try {
    // 1. The log.
    log(
      `Appending ${eventCount.toLocaleString('en-US')} events through SqliteEventStore (transactions of ${APPEND_BATCH.toLocaleString('en-US')})…`,
    );
    const fill = await time(() => fillLog(db, store, eventCount));
    const orders = fill.result;
    const head = await store.headPosition();
    if (head !== eventCount) throw new Error(`expected ${eventCount} events in the log, found ${head}`);
    const insert: Figure = figure('append through SqliteEventStore', eventCount, fill.seconds);
    log(
      `  ${fmt(insert.eventsPerSecond)} events/s, ${orders.toLocaleString('en-US')} orders, ${(statSync(databaseFile).size / 2 ** 20).toFixed(0)} MiB`,
    );
    db.pragma('wal_checkpoint(TRUNCATE)');

    // 2. Baselines.
    log('Baseline: bare SELECT … ORDER BY position with JSON.parse of data and metadata (best of 2)…');
    const bare = [await time(() => bareRead(db)), await time(() => bareRead(db))];
    for (const run of bare) if (run.result !== eventCount) throw new Error(`bare read saw ${run.result} events`);
    const baseline = figure('baseline: bare read of the log', eventCount, Math.min(...bare.map((run) => run.seconds)));
    const paged = await time(() => pagedRead(store));
    if (paged.result !== eventCount) throw new Error(`paged read saw ${paged.result} events`);
    const readAll = figure(`store.readAll, pages of ${READ_PAGE}`, eventCount, paged.seconds, baseline);

    // 3. The engine: first build of every projection, then a rebuild of each.
    const definitions = readModels;
    log(`First build of ${definitions.map(({ name }) => name).join(', ')} (concurrently, at engine start)…`);
    engine = new ProjectionEngine(db, store, definitions);
    const started = engine;
    const initial = await time(async () => {
      await started.start();
      await waitUntilCaughtUp(started, head);
    });
    const initialBuild = figure(`first build, all ${definitions.length} projections`, eventCount, initial.seconds, baseline);

    const rebuilds: Figure[] = [];
    for (const definition of definitions) {
      log(`Rebuilding ${definition.name}…`);
      const stalls = watchEventLoop();
      const run = await time(() => started.rebuild(definition.name));
      const maxEventLoopStallMs = await stalls.stop();
      const status = (await started.status()).find(({ name }) => name === definition.name)!;
      if (status.state !== 'LIVE' || status.position !== head)
        throw new Error(`${definition.name} after rebuild: ${JSON.stringify(status)}`);
      rebuilds.push({
        ...figure(`rebuild ${definition.name}`, eventCount, run.seconds, baseline),
        maxEventLoopStallMs,
      });
    }

    // 4. Report.
    const rows = [insert, baseline, readAll, initialBuild, ...rebuilds];
    printTable(rows, baseline);
    const result = {
      timestamp: new Date().toISOString(),
      command: `npx tsx bench/rebuild.ts ${eventCount}`,
      eventCount,
      orders,
      databaseMiB: Math.round(statSync(databaseFile).size / 2 ** 20),
      machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: process.platform },
      sqlite: db.prepare('SELECT sqlite_version()').pluck().get(),
      settings: { synchronous: 'NORMAL', journalMode: 'WAL', appendBatch: APPEND_BATCH, rebuildBatchSize: 2000 },
      insert,
      baseline: { ...baseline, runsSeconds: bare.map((run) => round(run.seconds)) },
      readAllPaged: readAll,
      initialBuild,
      rebuilds,
    };
    const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(resultsDirectory, { recursive: true });
    const resultFile = join(resultsDirectory, `rebuild-${result.timestamp.replace(/[:.]/g, '-')}.json`);
    writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
    log(`\nWrote ${resultFile}`);
  } finally {
    await engine?.stop();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Orders in blocks of 1,000: every order of a block is placed, then the block's second events, then
 * its third, so streams interleave in the log. By order number modulo 6: placed → paid → shipped (3 of
 * 6), placed → paid → cancelled, placed → cancelled, placed → paid. Returns the number of orders.
 */
async function fillLog(db: ReturnType<typeof openDatabase>, store: SqliteEventStore, eventCount: number): Promise<number> {
  let written = 0;
  let orders = 0;
  let pending: { streamId: string; version: number; event: OrderEvent }[] = [];

  const flush = async () => {
    const batch = pending;
    pending = [];
    const appends: Promise<unknown>[] = [];
    // Each append runs synchronously inside this transaction (the store's own becomes a savepoint).
    db.transaction(() => {
      for (const { streamId, version, event } of batch) {
        appends.push(
          store.append(streamId, ORDER_STREAM_TYPE, [toNewEvent(event, written + appends.length)], {
            expectedVersion: version === 1 ? 'no_stream' : version - 1,
          }),
        );
      }
    })();
    await Promise.all(appends);
    written += batch.length;
  };
  const emit = async (streamId: string, version: number, event: OrderEvent) => {
    pending.push({ streamId, version, event });
    if (pending.length === APPEND_BATCH) await flush();
  };

  let remaining = eventCount;
  for (let block = 0; remaining > 0; block++) {
    const first = block * ORDERS_PER_BLOCK;
    const lifecycles = Array.from({ length: ORDERS_PER_BLOCK }, (_, offset) => lifecycle(first + offset));
    for (let step = 0; step < 3 && remaining > 0; step++) {
      for (const events of lifecycles) {
        const event = events[step];
        if (!event || remaining === 0) continue;
        if (step === 0) orders++;
        await emit(orderStreamId(event.data.orderId), step + 1, event);
        remaining--;
      }
    }
  }
  if (pending.length > 0) await flush();
  return orders;
}

function toNewEvent(event: OrderEvent, sequence: number): NewEvent {
  const data = event.data as { placedAt?: string; receivedAt?: string; shippedAt?: string; cancelledAt?: string };
  const occurredAt = data.placedAt ?? data.receivedAt ?? data.shippedAt ?? data.cancelledAt!;
  const commandId = `cmd-${sequence}`;
  return {
    eventId: `evt-${sequence}`,
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: { userId: 'bench', correlationId: `corr-${sequence}`, causationId: commandId, commandId, occurredAt },
  };
}

async function pagedRead(store: SqliteEventStore): Promise<number> {
  let position = 0;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ afterPosition: position, limit: READ_PAGE });
    if (page.length === 0) return count;
    count += page.length;
    position = page.at(-1)!.position;
  }
}

async function waitUntilCaughtUp(engine: ProjectionEngine, head: number): Promise<void> {
  for (;;) {
    const statuses = await engine.status();
    const failed = statuses.find(({ state }) => state === 'FAILED');
    if (failed) throw new Error(`${failed.name} failed: ${JSON.stringify(failed.lastError)}`);
    if (statuses.every(({ state, position }) => state === 'LIVE' && position === head)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The longest time the event loop went without running a 5 ms timer: how long a server doing this
 * would leave HTTP requests and WebSocket messages waiting.
 */
function watchEventLoop(): { stop(): Promise<number> } {
  let last = performance.now();
  let longest = 0;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  };
  const timer = setInterval(tick, 5);
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 10)); // let a timer see the last stretch
      tick();
      clearInterval(timer);
      return Math.round(longest);
    },
  };
}

async function time<T>(run: () => T | Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await run();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function figure(name: string, events: number, seconds: number, baseline?: Figure): Figure {
  const eventsPerSecond = Math.round(events / seconds);
  return {
    figure: name,
    events,
    seconds: round(seconds),
    eventsPerSecond,
    ...(baseline ? { ratio: Math.round((eventsPerSecond / baseline.eventsPerSecond) * 1000) / 1000 } : {}),
  };
}

function printTable(rows: Figure[], baseline: Figure): void {
  const header = ['figure', 'seconds', 'events/s', 'baseline events/s', 'ratio', 'max loop stall'];
  const lines = rows.map((row) => [
    row.figure,
    row.seconds.toFixed(2),
    fmt(row.eventsPerSecond),
    row === baseline ? '' : fmt(baseline.eventsPerSecond),
    row.ratio === undefined ? '' : row.ratio.toFixed(3),
    row.maxEventLoopStallMs === undefined ? '' : `${fmt(row.maxEventLoopStallMs)} ms`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  log(`\n${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n${lines.map(format).join('\n')}`);
}

function parseCount(argument: string | undefined): number {
  if (argument === undefined) return 1_000_000;
  const count = Number(argument.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(count) || count <= 0) throw new Error(`eventCount must be a positive whole number, got "${argument}"`);
  return count;
}

const fmt = (value: number) => value.toLocaleString('en-US');
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
const log = (line: string) => console.log(line);

await main();
