import type pg from 'pg';
import type { StoredEvent } from '../eventStore.js';
import { idsOf, type ImportTarget, type TargetState } from '../import/importTarget.js';
import { SQL, type StoredIdRow, toPosition } from './statements.js';
import { toStorageError } from './storageErrors.js';
import { inTransaction } from './transaction.js';

/**
 * The log in PostgreSQL (its tables migrated already) as an import's target. Each batch is one
 * transaction whose positions are drawn as an append's are (events_draw_positions), so the readers of
 * running servers, which the batch's NOTIFY wakes, take them in order. A server appending to a stream
 * the batch also writes makes the batch fail (a unique violation) rather than interleave.
 */
export function postgresImportTarget(pool: pg.Pool, channel: string): ImportTarget {
  const run = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw toStorageError(error, 'The import cannot go on');
    }
  };

  return {
    lookup: (eventIds, streamIds) => run(() => lookup(pool, eventIds, streamIds)),
    appendBatch: (batch, choose) =>
      run(async () => {
        const range = await inTransaction(pool, async (client) => {
          const { eventIds, streamIds } = idsOf(batch);
          const events = choose(await lookup(client, eventIds, streamIds));
          if (events.length === 0) return undefined;
          const { rows } = await client.query<{ position: string }>(SQL.insertMany, insertColumns(events));
          const positions = rows.map((row) => toPosition(row.position));
          return { count: events.length, firstPosition: Math.min(...positions), lastPosition: Math.max(...positions) };
        });
        // After COMMIT, not in the transaction: a NOTIFY makes commits take turns (see PostgresEventStore).
        if (range) await pool.query(SQL.notify, [channel, String(range.lastPosition)]);
        return range;
      }),
  };
}

async function lookup(queryable: pg.Pool | pg.PoolClient, eventIds: readonly string[], streamIds: readonly string[]): Promise<TargetState> {
  // One after the other: inside appendBatch both run on the transaction's one connection.
  const stored = await queryable.query<StoredIdRow>(SQL.eventsById, [eventIds]);
  const streams = await queryable.query<{ stream_id: string; stream_type: string; version: number }>(SQL.streams, [streamIds]);
  return {
    storedEvents: new Map(stored.rows.map((row) => [row.event_id, { streamId: row.stream_id, version: row.version }])),
    streams: new Map(streams.rows.map((row) => [row.stream_id, { streamType: row.stream_type, version: row.version }])),
  };
}

/** One array per column, as insertMany unnests them. */
export function insertColumns(events: readonly StoredEvent[]): unknown[][] {
  return [
    events.map((event) => event.eventId),
    events.map((event) => event.streamId),
    events.map((event) => event.streamType),
    events.map((event) => event.version),
    events.map((event) => event.type),
    events.map((event) => event.schemaVersion),
    events.map((event) => JSON.stringify(event.data)),
    events.map((event) => JSON.stringify(event.metadata)),
  ];
}
