import { join } from 'node:path';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportConflictError, importEvents, type LineSource } from '../../src/eventstore/import/importEvents.js';
import type { ImportTarget } from '../../src/eventstore/import/importTarget.js';
import { createPool, logChannel } from '../../src/eventstore/postgres/connection.js';
import { postgresImportTarget } from '../../src/eventstore/postgres/postgresImportTarget.js';
import { migrate } from '../../src/eventstore/postgres/schema.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { sqliteImportTarget } from '../../src/eventstore/sqlite/sqliteImportTarget.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL } from '../support/postgres.js';
import { newTempDirectory } from '../support/startServer.js';

type TestEvent = ReturnType<typeof event>;

/** An import target with a way around it: another writer, and what the log holds in position order. */
type TargetUnderTest = {
  target: ImportTarget;
  insertDirectly(event: TestEvent): Promise<void>;
  storedInOrder(): Promise<{ position: number; eventId: string; streamId: string; version: number; data: unknown; metadata: unknown }[]>;
  close(): Promise<void>;
};

const INSERT = `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)`;

async function sqliteTarget(): Promise<TargetUnderTest> {
  const db = openDatabase(join(newTempDirectory(), 'target.db'));
  const target = sqliteImportTarget(db);
  return {
    target,
    async insertDirectly(e) {
      db.prepare(`${INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
        e.eventId,
        e.streamId,
        e.streamType,
        e.version,
        e.type,
        e.schemaVersion,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
      );
    },
    async storedInOrder() {
      const rows = db
        .prepare<[], { position: number; event_id: string; stream_id: string; version: number; data: string; metadata: string }>(
          'SELECT position, event_id, stream_id, version, data, metadata FROM events ORDER BY position',
        )
        .all();
      return rows.map((row) => ({
        position: row.position,
        eventId: row.event_id,
        streamId: row.stream_id,
        version: row.version,
        data: JSON.parse(row.data),
        metadata: JSON.parse(row.metadata),
      }));
    },
    async close() {
      db.close();
    },
  };
}

async function postgresTarget(): Promise<TargetUnderTest> {
  const schema = await createTestSchema();
  const options = { connectionString: POSTGRES_TEST_URL, schema: schema.schema };
  const pool: pg.Pool = createPool(options, { max: 2 });
  await migrate(pool);
  return {
    target: postgresImportTarget(pool, logChannel(options)),
    async insertDirectly(e) {
      await pool.query(`${INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        e.eventId,
        e.streamId,
        e.streamType,
        e.version,
        e.type,
        e.schemaVersion,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
      ]);
    },
    async storedInOrder() {
      const { rows } = await pool.query('SELECT position, event_id, stream_id, version, data, metadata FROM events ORDER BY position');
      return rows.map((row) => ({
        position: Number(row.position),
        eventId: row.event_id,
        streamId: row.stream_id,
        version: row.version,
        data: row.data,
        metadata: row.metadata,
      }));
    },
    async close() {
      await pool.end();
      await schema.drop();
    },
  };
}

function importSuite(open: () => Promise<TargetUnderTest>) {
  let underTest: TargetUnderTest | undefined;
  const openTarget = async () => (underTest = await open());
  afterEach(async () => {
    await underTest?.close();
    underTest = undefined;
  });

  it('should append in file order across interleaved streams, and skip it all when run again', async () => {
    const { target, storedInOrder } = await openTarget();
    // 2,500 events of 7 streams, interleaved, over three batches.
    const events = Array.from({ length: 2500 }, (_, index) => event(`s-${index % 7}`, Math.floor(index / 7) + 1));

    const first = await importEvents(target, linesOf(events));
    const again = await importEvents(target, linesOf(events));

    expect(first).toEqual({ events: 2500, imported: 2500, skipped: 0, firstPosition: 1, lastPosition: 2500 });
    expect(again).toEqual({ events: 2500, imported: 0, skipped: 2500, firstPosition: undefined, lastPosition: undefined });
    const stored = await storedInOrder();
    expect(stored.map(({ position }) => position)).toEqual(events.map((_, index) => index + 1));
    expect(stored.map(({ eventId, streamId, version, data, metadata }) => ({ eventId, streamId, version, data, metadata }))).toEqual(
      events.map(({ eventId, streamId, version, data, metadata }) => ({ eventId, streamId, version, data, metadata })),
    );
  });

  it('should stop with what it imported when another writer conflicts during the write', async () => {
    const { target, insertDirectly, storedInOrder } = await openTarget();
    const events = [event('s-1', 1), event('s-1', 2), event('s-2', 1), event('s-2', 2)];
    let reads = 0;
    const lines: LineSource = async function* () {
      reads += 1;
      for (const [index, e] of events.entries()) {
        // After the check and the first batch, another writer appends version 1 of s-2.
        if (reads === 2 && index === 2) await insertDirectly({ ...event('s-2', 1), eventId: 'other-writer' });
        yield JSON.stringify(e);
      }
    };

    const failure = await importEvents(target, lines, { batchSize: 2 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ImportConflictError);
    expect((failure as Error).message).toBe(
      "line 3: stream s-2 is at version 1 in the target, the file's event s-2-v1 expects version 1 to be next. " +
        'The target changed after the file was checked (another writer?): 2 events were imported before it stopped ' +
        '(0 skipped), the rest were not; running the import again skips the events imported and resumes',
    );
    expect((await storedInOrder()).map(({ eventId }) => eventId)).toEqual(['s-1-v1', 's-1-v2', 'other-writer']);
  });

  it('should refuse what validate refuses before writing anything', async () => {
    const { target, storedInOrder } = await openTarget();
    const validate = (e: { type: string }) => {
      if (e.type === 'Mystery') throw new Error('this server knows no event type Mystery');
    };

    await expect(importEvents(target, linesOf([event('s-1', 1), { ...event('s-1', 2), type: 'Mystery' }]), { validate })).rejects.toThrow(
      'line 2: event s-1-v2 (Mystery v1, stream s-1 version 2) is refused: this server knows no event type Mystery',
    );
    expect(await storedInOrder()).toEqual([]);
  });

  it('should refuse a stream whose type differs from the target, and write nothing', async () => {
    const { target, insertDirectly, storedInOrder } = await openTarget();
    await insertDirectly(event('s-1', 1));

    await expect(importEvents(target, linesOf([event('s-2', 1), { ...event('s-1', 2), streamType: 'Other' }]))).rejects.toThrow(
      "line 2: stream s-1 has stream type Test in the target, the file's event s-1-v2 says Other",
    );
    expect((await storedInOrder()).map(({ eventId }) => eventId)).toEqual(['s-1-v1']);
  });
}

describe('importEvents into SQLite', () => importSuite(sqliteTarget));
await describeWithPostgres('importEvents into PostgreSQL', () => importSuite(postgresTarget));

function linesOf(events: readonly TestEvent[]): LineSource {
  return async function* () {
    for (const e of events) yield JSON.stringify(e);
  };
}

function event(streamId: string, version: number) {
  return {
    position: version,
    eventId: `${streamId}-v${version}`,
    streamId,
    streamType: 'Test',
    version,
    type: 'Happened',
    schemaVersion: 1,
    data: { n: version, amountMinor: 10_997, note: 'quote " and backslash \\ and {braces}' },
    metadata: {
      userId: 'u',
      correlationId: 'c',
      causationId: 'c',
      commandId: `cmd-${streamId}-${version}`,
      occurredAt: '2025-01-01T00:00:00.000Z',
    },
  };
}
