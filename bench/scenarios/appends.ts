/**
 * Scenario 1: durable appends (synchronous=FULL, WAL), one event per command, through
 * SqliteEventStore: sequential, and 50 commands at once (group commit). Baselines: raw better-sqlite3
 * inserts of the same rows into the same schema, one per transaction and 100 per transaction, and
 * 100 per transaction into a minimal events table (the log's columns, (stream_id, version) unique,
 * no other index): what any durable event log must pay.
 * Each figure is the median of `runs` timed windows, the runs of all figures interleaved, each on a
 * new file (a growing file would favour whichever ran first).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent } from '../../src/eventstore/eventStore.js';
import type { GroupCommitMode } from '../../src/eventstore/sqlite/groupCommit.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { timeOrderedId } from '../../src/eventstore/timeOrderedId.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { compare, log, median, round, type Row } from '../lib/report.js';

export type AppendOptions = { seconds: number; runs: number; concurrency: number };

type Measure = { name: string; run: (file: string, seconds: number) => Promise<number> };

export async function appendScenario({
  seconds,
  runs,
  concurrency,
}: AppendOptions): Promise<{ rows: Row[]; raw: Record<string, number[]> }> {
  const measures: Measure[] = [
    { name: 'raw, 1 per transaction', run: (file, s) => rawInserts(file, s, 1) },
    { name: 'raw, 100 per transaction', run: (file, s) => rawInserts(file, s, 100) },
    { name: 'minimal table, 100 per transaction', run: (file, s) => rawInserts(file, s, 100, MINIMAL_TABLE) },
    { name: 'store, sequential', run: (file, s) => storeAppends(file, s, 1, 'setImmediate') },
    { name: `store, ${concurrency} concurrent`, run: (file, s) => storeAppends(file, s, concurrency, 'setImmediate') },
    { name: `store, ${concurrency} concurrent, group on microtask`, run: (file, s) => storeAppends(file, s, concurrency, 'microtask') },
    { name: `store, ${concurrency} concurrent, group commit off`, run: (file, s) => storeAppends(file, s, concurrency, 'off') },
    {
      name: `store, ${concurrency} concurrent, own callbacks, setImmediate`,
      run: (file, s) => storeAppends(file, s, concurrency, 'setImmediate', true),
    },
    {
      name: `store, ${concurrency} concurrent, own callbacks, microtask`,
      run: (file, s) => storeAppends(file, s, concurrency, 'microtask', true),
    },
  ];
  const results: Record<string, number[]> = Object.fromEntries(measures.map(({ name }) => [name, []]));
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-appends-'));
  try {
    for (let run = 1; run <= runs; run++) {
      for (const measure of measures) {
        const file = join(directory, `${randomUUID()}.db`);
        const perSecond = await measure.run(file, seconds);
        results[measure.name]!.push(round(perSecond));
        log(`  run ${run}: ${measure.name}: ${Math.round(perSecond)} appends/s`);
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const m = (name: string) => median(results[name]!);
  const one = { name: 'raw insert, 1 per transaction', value: m(measures[0]!.name) };
  const hundred = { name: 'raw insert, 100 per transaction', value: m(measures[1]!.name) };
  const minimal = { name: 'minimal events table, 100 per transaction', value: m(measures[2]!.name) };
  const unit = 'appends/s';
  const concurrent = {
    scenario: '1',
    figure: `durable append, ${concurrency} concurrent (group commit)`,
    unit,
    value: m(measures[4]!.name),
  };
  const rows: Row[] = [
    compare({ scenario: '1', figure: 'durable append, sequential', unit, value: m(measures[3]!.name) }, one, { min: 0.8 }),
    compare(concurrent, minimal, { min: 0.6 }),
    compare(concurrent, hundred),
    compare({ scenario: '1', figure: `… grouped per microtask instead of setImmediate`, unit, value: m(measures[5]!.name) }, hundred),
    compare({ scenario: '1', figure: `… group commit off (one transaction each)`, unit, value: m(measures[6]!.name) }, hundred),
    compare(
      {
        scenario: '1',
        figure: `… each command in its own callback (as HTTP requests arrive), setImmediate`,
        unit,
        value: m(measures[7]!.name),
      },
      hundred,
    ),
    compare({ scenario: '1', figure: `… each command in its own callback, microtask`, unit, value: m(measures[8]!.name) }, hundred),
  ];
  return { rows, raw: results };
}

/**
 * A realistic event: an OrderPlaced of two lines with full metadata (about 600 bytes of JSON), its
 * ids time-ordered as the server makes them.
 */
function sampleEvent(): NewEvent {
  const commandId = timeOrderedId();
  const orderId = timeOrderedId();
  return {
    eventId: timeOrderedId(),
    type: 'OrderPlaced',
    schemaVersion: 1,
    data: {
      orderId,
      customerId: 'cust-1',
      items: [
        { productId: 'p1', name: 'Widget', quantity: 2, unitPriceMinor: 2999 },
        { productId: 'p2', name: 'Gadget', quantity: 1, unitPriceMinor: 4999 },
      ],
      currency: 'USD',
      totalMinor: 10997,
      placedAt: new Date().toISOString(),
    },
    metadata: {
      userId: 'user-cust-1',
      correlationId: timeOrderedId(),
      causationId: commandId,
      commandId,
      occurredAt: new Date().toISOString(),
    },
  };
}

function openFull(file: string): Database.Database {
  return openDatabase(file, { synchronous: 'FULL' });
}

/** The log's columns, (stream_id, version) unique for optimistic concurrency, and no other index. */
const MINIMAL_TABLE = `CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL,
  stream_id TEXT NOT NULL, stream_type TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
  schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, version)) STRICT`;

/**
 * The same INSERT the store runs, `perTransaction` rows per BEGIN IMMEDIATE … COMMIT, into the log's
 * schema or into `table` alone.
 */
async function rawInserts(file: string, seconds: number, perTransaction: number, table?: string): Promise<number> {
  const db = table ? new Database(file) : openFull(file);
  if (table) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(table);
  }
  try {
    const insert = db.prepare(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const batch = db.transaction((events: NewEvent[]) => {
      for (const event of events) {
        const { orderId } = event.data as { orderId: string };
        insert.run(
          event.eventId,
          `order-${orderId}`,
          'Order',
          1,
          event.type,
          1,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
        );
      }
    });
    let count = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    while (performance.now() < deadline) {
      const events = Array.from({ length: perTransaction }, sampleEvent);
      batch.immediate(events);
      count += perTransaction;
    }
    return count / ((performance.now() - start) / 1000);
  } finally {
    db.close();
  }
}

/**
 * `workers` loops, each appending one event to a new stream and awaiting the answer before the next.
 * With `ownCallbacks`, each append starts from a callback of its own (a timer), as HTTP requests
 * arrive one I/O callback each, rather than from the microtasks of the group that answered it.
 */
async function storeAppends(
  file: string,
  seconds: number,
  workers: number,
  groupCommit: GroupCommitMode,
  ownCallbacks = false,
): Promise<number> {
  const store = new SqliteEventStore(openFull(file), { groupCommit });
  try {
    let count = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (performance.now() < deadline) {
          if (ownCallbacks) await new Promise((resolve) => setTimeout(resolve, 0));
          const event = sampleEvent();
          await store.append(`order-${(event.data as { orderId: string }).orderId}`, 'Order', [event], { expectedVersion: 'no_stream' });
          count++;
        }
      }),
    );
    return count / ((performance.now() - start) / 1000);
  } finally {
    await store.close();
  }
}
