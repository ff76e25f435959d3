import type Database from 'better-sqlite3';
import type { StoredEvent } from '../eventStore.js';
import { type AppendedRange, idsOf, type ImportTarget, type TargetState } from '../import/importTarget.js';
import { createEventsSchema } from './schema.js';
import { toStorageError } from './storageErrors.js';

/**
 * The log in `db` as an import's target; creates its tables when the file has none. Each batch is
 * one IMMEDIATE transaction, so no other writer of the file appends between its check and its writes.
 */
export function sqliteImportTarget(db: Database.Database): ImportTarget {
  const statements = storage(() => {
    createEventsSchema(db);
    return {
      stream: db.prepare<[string], { stream_type: string; version: number }>(
        // The stream's last event, through the (stream_id, version) index: one row, however long the stream.
        'SELECT stream_type, version FROM events WHERE stream_id = ? ORDER BY version DESC LIMIT 1',
      ),
      eventById: db.prepare<[string], { stream_id: string; version: number }>('SELECT stream_id, version FROM events WHERE event_id = ?'),
      insert: db.prepare<[string, string, string, number, string, number, string, string], void>(
        `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  });

  const lookup = (eventIds: readonly string[], streamIds: readonly string[]): TargetState => {
    const state: TargetState = { storedEvents: new Map(), streams: new Map() };
    for (const eventId of eventIds) {
      const stored = statements.eventById.get(eventId);
      if (stored) state.storedEvents.set(eventId, { streamId: stored.stream_id, version: stored.version });
    }
    for (const streamId of streamIds) {
      const stream = statements.stream.get(streamId);
      if (stream) state.streams.set(streamId, { streamType: stream.stream_type, version: stream.version });
    }
    return state;
  };

  const append = (events: readonly StoredEvent[]): AppendedRange => {
    let firstPosition: number | undefined;
    let lastPosition = 0;
    for (const event of events) {
      const info = statements.insert.run(
        event.eventId,
        event.streamId,
        event.streamType,
        event.version,
        event.type,
        event.schemaVersion,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      );
      lastPosition = Number(info.lastInsertRowid);
      firstPosition ??= lastPosition;
    }
    return firstPosition === undefined ? undefined : { count: events.length, firstPosition, lastPosition };
  };

  return {
    lookup: async (eventIds, streamIds) => storage(() => lookup(eventIds, streamIds)),
    appendBatch: async (batch, choose) =>
      storage(() =>
        db
          .transaction(() => {
            const { eventIds, streamIds } = idsOf(batch);
            return append(choose(lookup(eventIds, streamIds)));
          })
          .immediate(),
      ),
  };
}

function storage<T>(query: () => T): T {
  try {
    return query();
  } catch (error) {
    throw toStorageError(error);
  }
}
