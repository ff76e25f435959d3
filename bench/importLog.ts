/**
 * `orderstream import` of an NDJSON log into SQLite and into PostgreSQL, each beside a raw insert of
 * the same file into the same store in the same run (the file read and parsed, the rows inserted
 * 1,000 per transaction with the store's own INSERT; no checks, no lock):
 *
 *   npx tsx bench/importLog.ts [--events 100000] [--runs 3]
 *
 * The log is order lifecycles (bench/lib/orderLifecycle.ts), written once to a temporary file. Every
 * measurement gets a new SQLite file or a new PostgreSQL schema (DATABASE_URL, default the test
 * database), dropped after. Figures are medians; the JSON goes to bench/results/import-<time>.json.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { StoredEvent } from '../src/eventstore/eventStore.js';
import { importEvents, type LineSource } from '../src/eventstore/import/importEvents.js';
import { createPool, logChannel } from '../src/eventstore/postgres/connection.js';
import { insertColumns, postgresImportTarget } from '../src/eventstore/postgres/postgresImportTarget.js';
import { migrate } from '../src/eventstore/postgres/schema.js';
import { SQL } from '../src/eventstore/postgres/statements.js';
import { toNdjsonLine } from '../src/eventstore/ndjson.js';
import { openDatabase } from '../src/eventstore/sqlite/openDatabase.js';
import { createEventsSchema } from '../src/eventstore/sqlite/schema.js';
import { sqliteImportTarget } from '../src/eventstore/sqlite/sqliteImportTarget.js';
import { lifecycle } from './lib/orderLifecycle.js';
import { compare, log, markdownTable, median, type Row } from './lib/report.js';

const { values } = parseArgs({ options: { events: { type: 'string' }, runs: { type: 'string' } } });
const eventCount = Number(values.events ?? 100_000);
const runs = Number(values.runs ?? 3);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BATCH = 1000;

type Load = 'sqliteRaw' | 'sqliteImport' | 'postgresRaw' | 'postgresImport';
const LOADS: Load[] = ['sqliteRaw', 'sqliteImport', 'postgresRaw', 'postgresImport'];

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'orderstream-bench-import-'));
  const file = join(directory, 'log.ndjson');
  const bytes = await writeLog(file);
  const lines: LineSource = () => createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  log(`import of ${eventCount.toLocaleString('en-US')} events (${(bytes / 1024 / 1024).toFixed(1)} MiB of NDJSON), ${runs} runs`);

  const seconds: Record<Load, number[]> = { sqliteRaw: [], sqliteImport: [], postgresRaw: [], postgresImport: [] };
  try {
    for (let run = 1; run <= runs; run++) {
      // Rotated, so that no load always goes first on a machine that drifts.
      for (const load of [...LOADS.slice(run - 1), ...LOADS.slice(0, run - 1)]) {
        const startedAt = performance.now();
        await measure(load, directory, lines);
        seconds[load].push((performance.now() - startedAt) / 1000);
        log(`  run ${run}: ${load} ${seconds[load].at(-1)!.toFixed(2)} s`);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const rate = (load: Load) => Math.round(eventCount / median(seconds[load]));
  const rows: Row[] = [
    compare(
      { scenario: 'import', figure: 'import into SQLite (synchronous=FULL), events/s', unit: 'events/s', value: rate('sqliteImport') },
      { name: 'raw insert, SQLite', value: rate('sqliteRaw') },
    ),
    compare(
      { scenario: 'import', figure: 'import into PostgreSQL, events/s', unit: 'events/s', value: rate('postgresImport') },
      { name: 'raw insert, PostgreSQL', value: rate('postgresRaw') },
    ),
  ];
  log(`\n${markdownTable(rows)}`);
  const output = join(ROOT, 'bench', 'results', `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify({ settings: { eventCount, runs, bytes }, rows, seconds }, null, 2)}\n`);
  log(`\nWritten to ${output}`);
}

/** The bench log: whole order lifecycles until `eventCount` events. */
async function writeLog(file: string): Promise<number> {
  const output = createWriteStream(file);
  let bytes = 0;
  for (let index = 0, position = 0; position < eventCount; index++) {
    const events = lifecycle(index).slice(0, eventCount - position);
    const chunk = events
      .map((event, offset): StoredEvent => {
        position += 1;
        const version = offset + 1;
        return {
          position,
          eventId: `bench-${index}-${version}`,
          streamId: `order-bench-${index}`,
          streamType: 'Order',
          version,
          type: event.type,
          schemaVersion: 1,
          data: event.data,
          metadata: {
            userId: 'bench',
            correlationId: `bench-${index}`,
            causationId: `bench-${index}`,
            commandId: `bench-${index}-${version}`,
            occurredAt: '2025-01-01T00:00:00.000Z',
          },
        };
      })
      .map((event) => `${toNdjsonLine(event)}\n`)
      .join('');
    bytes += Buffer.byteLength(chunk);
    if (!output.write(chunk)) await once(output, 'drain');
  }
  output.end();
  await once(output, 'finish');
  return bytes;
}

/** One load into a new SQLite file or PostgreSQL schema. */
async function measure(load: Load, directory: string, lines: LineSource): Promise<void> {
  if (load === 'sqliteRaw' || load === 'sqliteImport') {
    const db = openDatabase(join(directory, `${load}-${randomBytes(4).toString('hex')}.db`));
    try {
      if (load === 'sqliteImport') await importEvents(sqliteImportTarget(db), lines);
      else {
        createEventsSchema(db);
        const insert = db.prepare(
          `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        const insertBatch = db.transaction((events: StoredEvent[]) => {
          for (const e of events)
            insert.run(
              e.eventId,
              e.streamId,
              e.streamType,
              e.version,
              e.type,
              e.schemaVersion,
              JSON.stringify(e.data),
              JSON.stringify(e.metadata),
            );
        });
        for await (const batch of parsedBatches(lines)) insertBatch.immediate(batch);
      }
    } finally {
      db.close();
    }
    return;
  }
  const schema = `bench_import_${randomBytes(4).toString('hex')}`;
  const options = { connectionString: DATABASE_URL, schema };
  await admin(`CREATE SCHEMA ${schema}`);
  const pool = createPool(options, { max: 1 });
  try {
    await migrate(pool);
    if (load === 'postgresImport') await importEvents(postgresImportTarget(pool, logChannel(options)), lines);
    else {
      for await (const batch of parsedBatches(lines)) {
        await pool.query(SQL.insertMany, insertColumns(batch));
      }
    }
  } finally {
    await pool.end();
    await admin(`DROP SCHEMA ${schema} CASCADE`);
  }
}

/** The baseline's reading: the file's lines parsed, a batch at a time. */
async function* parsedBatches(lines: LineSource): AsyncGenerator<StoredEvent[]> {
  let batch: StoredEvent[] = [];
  for await (const line of lines()) {
    batch.push(JSON.parse(line) as StoredEvent);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

await main();
