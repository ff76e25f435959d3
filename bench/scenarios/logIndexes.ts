/**
 * Scenario 1b: what each of the log's indexes costs an append. A table of the log's columns with
 * only (stream_id, version) unique (what optimistic concurrency needs), then with each index of
 * src/eventstore/sqlite/schema.ts alone (and one it dropped), then with all of them: 100 rows per transaction,
 * synchronous=FULL, WAL, on a table holding `prefill` rows already (an index's cost shows once it
 * no longer fits a few pages). Ids time-ordered (UUIDv7, as the server makes them) or random (v4, as
 * before, and as a client's own keys still are).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { timeOrderedId } from '../../src/eventstore/timeOrderedId.js';
import { compare, log, median, round, type Row } from '../lib/report.js';

const TABLE = `CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, stream_id TEXT NOT NULL,
  stream_type TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL,
  metadata TEXT NOT NULL, UNIQUE (stream_id, version)) STRICT;`;

/** The log's other indexes, as schema.ts declares them. */
const INDEXES = {
  'event id (unique)': 'CREATE UNIQUE INDEX by_event_id ON events (event_id);',
  'command id': "CREATE INDEX by_command_id ON events (json_extract(metadata, '$.commandId'));",
  'correlation id': "CREATE INDEX by_correlation_id ON events (json_extract(metadata, '$.correlationId'), position);",
};
/** An index the log had until its cost showed here: a customer's orders now come from the order view. */
const DROPPED = {
  'customer id (first events, dropped)': "CREATE INDEX by_customer_id ON events (json_extract(data, '$.customerId')) WHERE version = 1;",
};

type Variant = { name: string; indexes: string[]; ids: () => string };

export async function logIndexScenario({ seconds, runs, prefill }: { seconds: number; runs: number; prefill: number }) {
  const all = Object.values(INDEXES);
  const variants: Variant[] = [
    { name: 'only (stream_id, version)', indexes: [], ids: timeOrderedId },
    ...Object.entries({ ...INDEXES, ...DROPPED }).flatMap(([name, index]) => [
      { name: `+ ${name}, v4 ids`, indexes: [index], ids: randomUUID },
      { name: `+ ${name}, v7 ids`, indexes: [index], ids: timeOrderedId },
    ]),
    { name: 'all indexes, v4 ids', indexes: all, ids: randomUUID },
    { name: 'all indexes, v7 ids', indexes: all, ids: timeOrderedId },
  ];
  const results: Record<string, number[]> = Object.fromEntries(variants.map(({ name }) => [name, []]));
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-indexes-'));
  try {
    for (let run = 1; run <= runs; run++) {
      for (const variant of variants) {
        const perSecond = inserts(join(directory, `${randomUUID()}.db`), variant, seconds, prefill);
        results[variant.name]!.push(round(perSecond));
        log(`  run ${run}: ${variant.name}: ${Math.round(perSecond)} rows/s`);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const minimal = { name: 'only (stream_id, version)', value: median(results[variants[0]!.name]!) };
  const rows: Row[] = variants
    .slice(1)
    .map((variant) =>
      compare(
        { scenario: '1b', figure: `log index cost: ${variant.name}`, unit: 'rows/s', value: median(results[variant.name]!) },
        minimal,
      ),
    );
  return { rows, raw: results };
}

function inserts(file: string, { indexes, ids }: Variant, seconds: number, prefill: number): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('cache_size = -65536');
    db.exec(TABLE + indexes.join('\n'));
    const insert = db.prepare(
      'INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata) VALUES (?, ?, ?, 1, ?, 1, ?, ?)',
    );
    const batch = db.transaction((count: number) => {
      for (let row = 0; row < count; row++) {
        const orderId = ids();
        const commandId = ids();
        const data = { orderId, customerId: `cust-${Math.floor(Math.random() * 5_000)}`, currency: 'USD', totalMinor: 5998 };
        const metadata = { userId: 'u', correlationId: ids(), causationId: commandId, commandId, occurredAt: new Date().toISOString() };
        insert.run(ids(), `order-${orderId}`, 'Order', 'OrderPlaced', JSON.stringify(data), JSON.stringify(metadata));
      }
    });
    db.pragma('synchronous = OFF');
    for (let filled = 0; filled < prefill; filled += 1_000) batch(1_000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('synchronous = FULL');
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      batch.immediate(100);
      count += 100;
    }
    return count / ((performance.now() - start) / 1000);
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}
