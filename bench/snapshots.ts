/**
 * How long does loading an aggregate take as its stream grows, with and without snapshots?
 *
 *   npx tsx bench/snapshots.ts [--every N]        (default: the server's, DEFAULT_SNAPSHOT_EVERY)
 *
 * 1. Fills a temp SQLite log with one cart stream of each length (10, 1,000 and 100,000 events),
 *    appended through SqliteEventStore 1,000 events per append.
 * 2. Times loadAggregate without snapshots, then with them in the two cases a policy of `every: N`
 *    leaves: worst, the snapshot N - 1 events before the end (as just before the next one is due);
 *    best, a snapshot of the last event. A stream shorter than N has no snapshot. Each figure is the
 *    median of repeated loads (warm-up, then at least MIN_RUNS loads and MIN_SECONDS). Checks that
 *    every load gives the same state.
 * 3. Baseline: the 10-event load without snapshots, measured in the same run. Issue #4's goal: the
 *    100,000-event load with snapshots within 3× of it.
 * Prints a table and writes JSON to bench/results/snapshots-<timestamp>.json. The temp log is deleted.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SNAPSHOT_EVERY, loadAggregate, type SnapshotPolicy } from '../src/application/snapshots/loadAggregate.js';
import type { Decider } from '../src/domain/decider.js';
import type { NewEvent } from '../src/eventstore/eventStore.js';
import { openDatabase } from '../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../src/eventstore/sqlite/sqliteSnapshotStore.js';

const STREAM_LENGTHS = [10, 1_000, 100_000];
const SNAPSHOT_EVERY = parseEvery(process.argv.slice(2));
const APPEND_CHUNK = 1_000;
const WARM_UP_RUNS = 3;
const MIN_RUNS = 10;
const MIN_SECONDS = 1;
const GOAL_RATIO = 3;

type Timing = { medianMs: number; minMs: number; maxMs: number; runs: number };
type WithSnapshots = Timing & { eventsAfterSnapshot: number; ratio?: number };
type Row = { events: number; without: Timing; worst: WithSnapshots; best: WithSnapshots };

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-'));
  const db = openDatabase(join(directory, 'bench.db'), { synchronous: 'NORMAL' });
  const store = new SqliteEventStore(db);
  const policy: SnapshotPolicy = { store: new SqliteSnapshotStore(db), every: SNAPSHOT_EVERY, stateSchemaVersion: 1 };

  try {
    // 1. The streams.
    for (const length of STREAM_LENGTHS) {
      log(`Appending a stream of ${fmt(length)} events…`);
      await fillStream(store, streamIdOf(length), length);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');

    // 2. The loads.
    const rows: Row[] = [];
    for (const length of STREAM_LENGTHS) {
      log(`Loading the ${fmt(length)}-event stream: without snapshots, then the worst and best case with them…`);
      const streamId = streamIdOf(length);
      const without = await measure(() => loadAggregate(store, cartDecider, streamId));
      await saveSnapshotAt(policy, streamId, length - (SNAPSHOT_EVERY - 1));
      const worst = await measureWithSnapshots(store, policy, streamId, length);
      if (length >= SNAPSHOT_EVERY) await saveSnapshotAt(policy, streamId, length);
      const best = await measureWithSnapshots(store, policy, streamId, length);
      rows.push({ events: length, without, worst, best });
    }

    // 3. Against the baseline.
    const baseline = rows.find(({ events }) => events === 10)!.without;
    for (const row of rows) {
      row.worst.ratio = round(row.worst.medianMs / baseline.medianMs, 2);
      row.best.ratio = round(row.best.medianMs / baseline.medianMs, 2);
    }
    const longest = rows.at(-1)!;
    const met = longest.worst.ratio! <= GOAL_RATIO;
    printTable(rows, baseline);
    log(
      `\n${fmt(longest.events)} events with snapshots: ${longest.worst.ratio}× the 10-event load in the worst case ` +
        `(${longest.worst.eventsAfterSnapshot} events after the snapshot), ${longest.best.ratio}× in the best (goal ≤ ${GOAL_RATIO}×): ` +
        `${met ? 'met' : 'NOT met'} with every = ${SNAPSHOT_EVERY}${SNAPSHOT_EVERY === DEFAULT_SNAPSHOT_EVERY ? " (the server's default)" : ''}`,
    );

    const result = {
      timestamp: new Date().toISOString(),
      command: `npx tsx bench/snapshots.ts --every ${SNAPSHOT_EVERY}`,
      machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: process.platform },
      sqlite: db.prepare('SELECT sqlite_version()').pluck().get(),
      settings: {
        synchronous: 'NORMAL',
        journalMode: 'WAL',
        snapshotEvery: SNAPSHOT_EVERY,
        serverDefaultSnapshotEvery: DEFAULT_SNAPSHOT_EVERY,
        appendChunk: APPEND_CHUNK,
        warmUpRuns: WARM_UP_RUNS,
        minRuns: MIN_RUNS,
        minSeconds: MIN_SECONDS,
      },
      baseline: { figure: '10-event load without snapshots', ...baseline },
      goal: { ratio: GOAL_RATIO, worstCase: longest.worst.ratio, bestCase: longest.best.ratio, met },
      rows,
    };
    const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(resultsDirectory, { recursive: true });
    const resultFile = join(resultsDirectory, `snapshots-${result.timestamp.replace(/[:.]/g, '-')}.json`);
    writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
    log(`\nWrote ${resultFile}`);
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function fillStream(store: SqliteEventStore, streamId: string, length: number): Promise<void> {
  for (let start = 0; start < length; start += APPEND_CHUNK) {
    const chunk = Array.from({ length: Math.min(APPEND_CHUNK, length - start) }, (_, offset) =>
      toNewEvent(cartEvent(start + offset), `${streamId}-${start + offset}`),
    );
    await store.append(streamId, 'Cart', chunk, { expectedVersion: start === 0 ? 'no_stream' : start });
  }
}

/** Saves the stream's snapshot at `version` (the state folded in memory); none below version 1. */
async function saveSnapshotAt(policy: SnapshotPolicy, streamId: string, version: number): Promise<void> {
  if (version < 1) return;
  await policy.store.save({
    streamId,
    version,
    stateSchemaVersion: policy.stateSchemaVersion,
    state: foldInMemory(version),
    takenAt: new Date().toISOString(),
  });
}

/** Checks that the load gives the stream's state, then times it. */
async function measureWithSnapshots(
  store: SqliteEventStore,
  policy: SnapshotPolicy,
  streamId: string,
  length: number,
): Promise<WithSnapshots> {
  const loaded = await loadAggregate(store, cartDecider, streamId, policy);
  deepStrictEqual(loaded.state, foldInMemory(length));
  if (loaded.version !== length) throw new Error(`${streamId}: loaded version ${loaded.version}, expected ${length}`);
  const timing = await measure(() => loadAggregate(store, cartDecider, streamId, policy));
  return { eventsAfterSnapshot: loaded.eventsSinceSnapshot, ...timing };
}

/** Median of repeated loads, after a warm-up. */
async function measure(load: () => Promise<unknown>): Promise<Timing> {
  for (let run = 0; run < WARM_UP_RUNS; run++) await load();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < MIN_RUNS || performance.now() - started < MIN_SECONDS * 1000) {
    const start = performance.now();
    await load();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const middle = times.length >> 1;
  const median = times.length % 2 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2;
  return { medianMs: round(median, 4), minMs: round(times[0]!, 4), maxMs: round(times.at(-1)!, 4), runs: times.length };
}

function printTable(rows: Row[], baseline: Timing): void {
  const header = ['stream length', 'ms/load without', 'events after snapshot', 'ms/load with', '÷ 10-event load', 'runs (without / with)'];
  const withCells = (row: Row, { eventsAfterSnapshot, medianMs, ratio }: WithSnapshots) => [
    eventsAfterSnapshot === row.events ? `${fmt(eventsAfterSnapshot)} (no snapshot)` : fmt(eventsAfterSnapshot),
    ms(medianMs),
    `${ratio!.toFixed(2)}×`,
  ];
  const lines = rows.flatMap((row) => [
    [fmt(row.events), ms(row.without.medianMs), ...withCells(row, row.worst), `${fmt(row.without.runs)} / ${fmt(row.worst.runs)}`],
    ...(row.best.eventsAfterSnapshot === row.worst.eventsAfterSnapshot
      ? []
      : [['', '', ...withCells(row, row.best), `${fmt(row.best.runs)}`]]),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
  log(`\n${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n${lines.map(format).join('\n')}`);
  log(
    `baseline: the 10-event load without snapshots, ${ms(baseline.medianMs)} ms (medians of this run; snapshots every ${SNAPSHOT_EVERY})`,
  );
}

function parseEvery(args: string[]): number {
  const at = args.indexOf('--every');
  if (at === -1) return DEFAULT_SNAPSHOT_EVERY;
  const every = Number(args[at + 1]);
  if (!Number.isSafeInteger(every) || every < 1) throw new Error(`--every must be a positive whole number, got "${args[at + 1]}"`);
  return every;
}

// The aggregate: a shopping cart, whose state changes with every event (as the test's does).

type Cart = { itemCount: number; totalMinor: number; lines: Record<string, { quantity: number; unitPriceMinor: number }> };
type CartEvent = { type: 'ItemAdded' | 'ItemRemoved'; data: { productId: string; unitPriceMinor: number } };

const cartDecider: Decider<Cart, never, CartEvent> = {
  initialState: () => ({ itemCount: 0, totalMinor: 0, lines: {} }),
  decide: () => [],
  evolve(cart, { type, data: { productId, unitPriceMinor } }) {
    const quantity = (cart.lines[productId]?.quantity ?? 0) + (type === 'ItemAdded' ? 1 : -1);
    if (quantity < 0) return cart;
    const { [productId]: _line, ...others } = cart.lines;
    return {
      itemCount: cart.itemCount + (type === 'ItemAdded' ? 1 : -1),
      totalMinor: cart.totalMinor + (type === 'ItemAdded' ? unitPriceMinor : -unitPriceMinor),
      lines: quantity === 0 ? others : { ...others, [productId]: { quantity, unitPriceMinor } },
    };
  },
};

const streamIdOf = (length: number) => `cart-bench-${length}`;
const productOf = (index: number) => `p-${(index * 7) % 37}`;

/** Event `index`: three adds, then a removal of the product added just before. */
function cartEvent(index: number): CartEvent {
  const removal = index % 4 === 3;
  const productId = productOf(removal ? index - 1 : index);
  return { type: removal ? 'ItemRemoved' : 'ItemAdded', data: { productId, unitPriceMinor: 100 + Number(productId.slice(2)) * 37 } };
}

function foldInMemory(count: number): Cart {
  let cart = cartDecider.initialState();
  for (let index = 0; index < count; index++) cart = cartDecider.evolve(cart, cartEvent(index));
  return cart;
}

/** One event per command, as handleCommand writes them. */
function toNewEvent(event: CartEvent, sequence: string): NewEvent {
  return {
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: {
      userId: 'bench',
      correlationId: `corr-${sequence}`,
      causationId: `cmd-${sequence}`,
      commandId: `cmd-${sequence}`,
      occurredAt: '2025-01-01T00:00:00.000Z',
    },
  };
}

const fmt = (value: number) => value.toLocaleString('en-US');
const ms = (value: number) => (value < 1 ? value.toFixed(3) : value.toFixed(1));
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const log = (line: string) => console.log(line);

await main();
