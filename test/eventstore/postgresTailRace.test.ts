import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { PostgresLogWatcher } from '../../src/eventstore/postgres/postgresLogWatcher.js';
import { RecentLogWindow } from '../../src/eventstore/recentLogWindow.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { newEvent } from './eventStoreContract.js';
import { LogTail, readWholeLog } from './postgresLogTail.js';

const APPENDERS = 24;
const APPENDS_EACH = 20;

await describeWithPostgres('PostgresEventStore under concurrent appends', () => {
  let testSchema: TestSchema;
  const closers: (() => Promise<void>)[] = [];
  const open = async (poolSize: number) => {
    const store = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: testSchema.schema, poolSize });
    closers.push(() => store.close());
    return store;
  };

  beforeEach(async () => {
    testSchema = await createTestSchema();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    await testSchema.drop();
  });

  it(`lets a reader tailing by position see every event exactly once, in position order, while ${APPENDERS} appenders race`, async () => {
    const reader = await open(2);
    const tail = new LogTail(reader, { pollMs: 2 });
    const watcher = await PostgresLogWatcher.start({
      connectionString: POSTGRES_TEST_URL,
      schema: testSchema.schema,
      onWake: () => tail.wake(),
    });
    closers.push(
      () => tail.stop(),
      () => watcher.close(),
    );
    // One pool and connection each: the appends really run at once, in separate server processes.
    const appenders = await Promise.all(Array.from({ length: APPENDERS }, () => open(1)));

    const appended: string[] = [];
    await Promise.all(
      appenders.map(async (store, a) => {
        for (let i = 0; i < APPENDS_EACH; i += 1) {
          const events = Array.from({ length: 1 + (i % 3) }, () => newEvent('E', { a, i }));
          // Streams of their own: only positions are contended, so a failure here is a skipped event.
          await store.append(`own-${a}`, 'Thing', events, { expectedVersion: 'any' });
          appended.push(...events.map((event) => event.eventId));
        }
      }),
    );
    await tail.until(await reader.headPosition());
    await tail.stop();

    const log = await readWholeLog(reader);
    expect(log.map((event) => event.eventId).sort()).toEqual([...appended].sort());
    // Every event exactly once and in position order: a skipped event would be missing here.
    expect(tail.seen.map((event) => event.position)).toEqual(log.map((event) => event.position));
    expect(tail.errors).toEqual([]);
  });

  it('lets readers sharing one RecentLogWindow each see every event exactly once while appenders race and aborted appends leave gaps', async () => {
    const reader = await open(2);
    const window = new RecentLogWindow(reader, 50);
    const tails = Array.from({ length: 3 }, () => new LogTail(window, { pollMs: 2 }));
    closers.push(...tails.map((tail) => () => tail.stop()));
    const appenders = await Promise.all(Array.from({ length: 12 }, () => open(1)));
    // Positions drawn by transactions that then roll back: numbers the log never holds.
    const aborter = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await aborter.connect();
    closers.push(() => aborter.end());
    await aborter.query(`SET search_path TO ${aborter.escapeIdentifier(testSchema.schema)}`);
    let appending = true;
    const aborts = (async () => {
      let drawn = 0;
      while (appending) {
        await aborter.query('BEGIN');
        await aborter.query('SELECT events_draw_positions(2)');
        await new Promise((resolve) => setTimeout(resolve, 3));
        await aborter.query('ROLLBACK');
        drawn += 2;
      }
      return drawn;
    })();

    await Promise.all(
      appenders.map(async (store, a) => {
        for (let i = 0; i < APPENDS_EACH; i += 1) {
          await store.append(`own-${a}`, 'Thing', [newEvent('E', { a, i })], { expectedVersion: 'any' });
        }
      }),
    );
    appending = false;
    expect(await aborts).toBeGreaterThan(0);
    const head = await reader.headPosition();
    await Promise.all(tails.map((tail) => tail.until(head)));

    const log = await readWholeLog(reader);
    expect(log).toHaveLength(12 * APPENDS_EACH);
    expect(log.at(-1)!.position).toBeGreaterThan(log.length);
    for (const tail of tails) {
      expect(tail.seen.map((event) => event.position)).toEqual(log.map((event) => event.position));
      expect(tail.errors).toEqual([]);
    }
    // They shared the log's reads: fewer than the reads they made.
    expect(window.counts.fetched).toBeLessThan(window.counts.served);
  });

  it('numbers a shared stream 1, 2, 3 … with no gap when appenders race on it', async () => {
    const appenders = await Promise.all(Array.from({ length: 8 }, () => open(1)));

    await Promise.all(
      appenders.map(async (store) => {
        for (let i = 0; i < 5; i += 1) {
          await store.append('shared', 'Thing', [newEvent('A', {}), newEvent('B', {})], { expectedVersion: 'any' });
        }
      }),
    );

    const stream = await appenders[0]!.readStream('shared');
    expect(stream.map((event) => event.version)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    // Each append's two events sit side by side in the log.
    for (let i = 0; i < stream.length; i += 2) expect(stream[i + 1]!.position).toBe(stream[i]!.position + 1);
  });

  it("lets exactly one of many appenders racing with 'no_stream' create the stream", async () => {
    const appenders: PostgresEventStore[] = await Promise.all(Array.from({ length: 8 }, () => open(1)));

    const results = await Promise.allSettled(
      appenders.flatMap((store) =>
        Array.from({ length: 5 }, () =>
          store.append('contended', 'Thing', [newEvent('A', {}), newEvent('B', {})], { expectedVersion: 'no_stream' }),
        ),
      ),
    );

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const stream = await appenders[0]!.readStream('contended');
    expect(stream.map((event) => event.version)).toEqual([1, 2]);
    expect(stream[1]!.position).toBe(stream[0]!.position + 1);
  });
});
