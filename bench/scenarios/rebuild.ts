/**
 * Scenario 5: projection rebuild of a big log, against a bare read of the same log in the same run.
 *
 * `fillLog` writes `eventCount` Order events straight into a SQLite file with the store's schema, in
 * transactions of 20,000 rows, never holding more than one transaction's rows: orders in blocks of
 * 1,000 (every order of a block placed, then the block's second events, then its third), so streams
 * interleave as in a real log. By order number modulo 6: placed → paid → shipped (3 of 6),
 * placed → paid → cancelled, placed → cancelled, placed → paid.
 *
 * Then, on that file: the bare read (every row in position order, data and metadata JSON.parse'd;
 * best of 2), the first build of every projection (at engine start, concurrently), and a rebuild of
 * orderView (of every projection in turn with `allRebuilds`), with events/s and the ratio to the
 * bare read. bench/rebuild.ts has the same comparison with more detail (event-loop stalls).
 */
import type Database from 'better-sqlite3';
import type { OrderEvent } from '../../src/domain/order/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { ORDER_FULFILMENT } from '../../src/processes/orderFulfilment.js';
import { ProcessCheckpoints } from '../../src/processes/processCheckpoints.js';
import { readModels } from '../../src/projections/definitions.js';
import { ProjectionEngine } from '../../src/projections/sqlite/engine.js';
import { compare, log, round, type Row } from '../lib/report.js';
import { lifecycle } from '../lib/orderLifecycle.js';
import { bareRead } from '../lib/bareRead.js';

const FILL_BATCH = 20_000;
const ORDERS_PER_BLOCK = 1_000;

/** Writes the log; returns the number of orders. */
export function fillLog(file: string, eventCount: number): number {
  const db = openDatabase(file, { synchronous: 'NORMAL' });
  try {
    const insert = db.prepare(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
    );
    let batch: [string, number, OrderEvent][] = [];
    let written = 0;
    const write = db.transaction((rows: typeof batch) => {
      for (const [orderId, version, event] of rows) {
        written++;
        const commandId = `cmd-${written}`;
        const occurredAt = occurredAtOf(event);
        const metadata = { userId: 'bench', correlationId: `corr-${written}`, causationId: commandId, commandId, occurredAt };
        insert.run(
          `evt-${written}`,
          `order-${orderId}`,
          'Order',
          version,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(metadata),
        );
      }
    });
    let orders = 0;
    let remaining = eventCount;
    for (let block = 0; remaining > 0; block++) {
      const lifecycles = Array.from({ length: ORDERS_PER_BLOCK }, (_, offset) => lifecycle(block * ORDERS_PER_BLOCK + offset));
      for (let step = 0; step < 3 && remaining > 0; step++) {
        for (const events of lifecycles) {
          const event = events[step];
          if (!event || remaining === 0) continue;
          if (step === 0) orders++;
          batch.push([event.data.orderId, step + 1, event]);
          remaining--;
          if (batch.length === FILL_BATCH) {
            write.immediate(batch);
            batch = [];
          }
        }
      }
    }
    if (batch.length > 0) write.immediate(batch);
    // The order process has seen these orders already: a server started on the file does not
    // replay them through inventory (which would append events and take minutes).
    new ProcessCheckpoints(db).set(ORDER_FULFILMENT, eventCount);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return orders;
  } finally {
    db.close();
  }
}

export async function rebuildScenario(
  file: string,
  eventCount: number,
  allRebuilds = false,
): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  const db = openDatabase(file, { synchronous: 'NORMAL' });
  const store = new SqliteEventStore(db);
  let engine: ProjectionEngine | undefined;
  try {
    log('  bare read (best of 2)…');
    const bareSeconds = Math.min(
      time(() => bareReadOf(db, eventCount)),
      time(() => bareReadOf(db, eventCount)),
    );
    const bare = { name: 'bare read + JSON.parse', value: round(eventCount / bareSeconds) };
    log(`    ${bare.value} events/s`);

    const definitions = readModels;
    log(`  first build of ${definitions.map(({ name }) => name).join(', ')} (concurrently)…`);
    engine = new ProjectionEngine(db, store, definitions);
    const started = engine;
    let start = performance.now();
    await started.start();
    await caughtUp(started, eventCount);
    const firstBuild = (performance.now() - start) / 1000;
    log(`    ${round(firstBuild, 1)} s`);

    const rebuilds: Record<string, number> = {};
    for (const { name } of definitions.filter((definition) => allRebuilds || definition.name === 'orderView')) {
      start = performance.now();
      await started.rebuild(name);
      rebuilds[name] = round(eventCount / ((performance.now() - start) / 1000));
      log(`  rebuild ${name}: ${rebuilds[name]} events/s`);
    }
    const unit = 'events/s';
    const rows: Row[] = [
      compare(
        { scenario: '5', figure: `rebuild orderView, ${eventCount.toLocaleString('en-US')} events`, unit, value: rebuilds.orderView! },
        bare,
        { min: 0.5 },
      ),
      ...Object.entries(rebuilds)
        .filter(([name]) => name !== 'orderView')
        .map(([name, value]) => compare({ scenario: '5', figure: `rebuild ${name}`, unit, value }, bare)),
      compare(
        {
          scenario: '5',
          figure: `first build, all ${definitions.length} projections at once`,
          unit,
          value: round(eventCount / firstBuild),
        },
        bare,
        { min: 0.25 },
      ),
    ];
    return { rows, raw: { bareEventsPerSecond: bare.value, firstBuildSeconds: round(firstBuild, 2), rebuilds } };
  } finally {
    await engine?.stop();
    await store.close();
  }
}

async function caughtUp(engine: ProjectionEngine, head: number): Promise<void> {
  for (;;) {
    const statuses = await engine.status();
    const failed = statuses.find(({ state }) => state === 'FAILED');
    if (failed) throw new Error(`${failed.name} failed: ${JSON.stringify(failed.lastError)}`);
    if (statuses.every(({ state, position }) => state === 'LIVE' && position === head)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function time(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

function occurredAtOf(event: OrderEvent): string {
  const data = event.data as { placedAt?: string; receivedAt?: string; shippedAt?: string; cancelledAt?: string };
  return data.placedAt ?? data.receivedAt ?? data.shippedAt ?? data.cancelledAt!;
}

/** The baseline's read, checked to have seen every event. */
function bareReadOf(db: Database.Database, expected: number): void {
  const count = bareRead(db);
  if (count !== expected) throw new Error(`the bare read saw ${count} events, not ${expected}`);
}
