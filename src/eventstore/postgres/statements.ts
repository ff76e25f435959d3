import type { StoredEvent } from '../eventStore.js';

/** A row of `events` as pg returns it: bigint arrives as a string, jsonb already parsed. */
export type EventRow = {
  position: string;
  event_id: string;
  stream_id: string;
  stream_type: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: StoredEvent['metadata'];
};

const EVENT_COLUMNS = 'position, event_id, stream_id, stream_type, version, type, schema_version, data, metadata';

/**
 * Readers take only events whose transaction is older than every transaction still running: every
 * smaller position is then committed or gone for good (see events_draw_positions in schema.ts), so a
 * reader that moves on past a position never misses an event committed late below it.
 */
const SETTLED = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

/** Every statement the store runs, in one place. */
export const SQL = {
  append: 'SELECT * FROM events_append($1, $2, $3, $4, $5, $6::text[], $7::text[], $8::int[], $9::jsonb[], $10::jsonb[])',
  eventsById: 'SELECT event_id, position, stream_id, version FROM events WHERE event_id = ANY($1::text[])',
  notify: 'SELECT pg_notify($1, $2)',
  // An import's batch in one statement, its positions drawn as an append's are, in the file's order.
  insertMany: `WITH drawn AS MATERIALIZED (SELECT events_draw_positions(cardinality($1::text[])) AS positions)
               INSERT INTO events (position, event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
               OVERRIDING SYSTEM VALUE
               SELECT drawn.positions[n::int], event_id, stream_id, stream_type, version, type, schema_version, data, metadata
               FROM drawn, unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])
                    WITH ORDINALITY AS batch (event_id, stream_id, stream_type, version, type, schema_version, data, metadata, n)
               RETURNING position`,
  // Each stream's last event, through the (stream_id, version) index: one row each, however long the stream.
  streams: `SELECT last.* FROM unnest($1::text[]) AS asked (stream_id)
            CROSS JOIN LATERAL (SELECT stream_id, stream_type, version FROM events
                                WHERE events.stream_id = asked.stream_id ORDER BY version DESC LIMIT 1) AS last`,
  readStream: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
  readAll: `SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 AND ${SETTLED} ORDER BY position LIMIT $2`,
  readAllFiltered: `SELECT ${EVENT_COLUMNS} FROM events
                    WHERE position > $1 AND ${SETTLED}
                      AND ($3::text[] IS NULL OR type = ANY($3::text[]))
                    ORDER BY position LIMIT $2`,
  // Through the (stream_id, version) index, never a scan from the position. Within a stream, version
  // order is position order: a stream's appends take turns (events_append's stream lock).
  readStreamAfter: `SELECT ${EVENT_COLUMNS} FROM events
                    WHERE stream_id = $4 AND position > $1 AND ${SETTLED}
                      AND ($3::text[] IS NULL OR type = ANY($3::text[]))
                    ORDER BY version LIMIT $2`,
  // Each wanted stream's events through the stream index.
  readStreams: `SELECT mine.* FROM (SELECT DISTINCT unnest($5::text[]) AS stream_id) AS wanted
                CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events
                                    WHERE events.stream_id = wanted.stream_id AND events.position > $1 AND ${SETTLED}
                                      AND ($3::text[] IS NULL OR events.type = ANY($3::text[]))
                                      AND ($4::text IS NULL OR events.stream_id = $4)) AS mine
                ORDER BY mine.position LIMIT $2`,
  // A key's events are in one stream; should a bug ever spread them, the first stream written answers.
  recordedCommand: `SELECT stream_id, min(version) AS first_version, max(version) AS last_version,
                           max(position) AS last_position, min(metadata->>'commandFingerprint') AS fingerprint
                    FROM events WHERE metadata->>'commandId' = $1
                    GROUP BY stream_id ORDER BY last_position LIMIT 1`,
  // Each key looked up through the commandId index on its own: as one filter over many keys, a
  // planner without fresh statistics scans the whole log (9 ms a lookup at 20,000 events).
  recordedCommands: `SELECT asked.command_id, found.* FROM (SELECT DISTINCT unnest($1::text[]) AS command_id) AS asked
                     CROSS JOIN LATERAL (SELECT stream_id, min(version) AS first_version, max(version) AS last_version,
                                                max(position) AS last_position, min(metadata->>'commandFingerprint') AS fingerprint,
                                                array_agg(type ORDER BY version) AS types
                                         FROM events WHERE metadata->>'commandId' = asked.command_id
                                         GROUP BY stream_id) AS found
                     ORDER BY found.last_position`,
  readCorrelation: `SELECT ${EVENT_COLUMNS} FROM events WHERE metadata->>'correlationId' = $1 ORDER BY position LIMIT $2`,
  // The last position readers may take (see SETTLED): the newest settled event, found from the end.
  headPosition: `SELECT coalesce((SELECT position FROM events WHERE ${SETTLED} ORDER BY position DESC LIMIT 1), 0) AS position`,
} as const;

export type RecordedCommandsRow = RecordedCommandRow & { command_id: string; types: string[] };

export type RecordedCommandRow = {
  stream_id: string;
  first_version: number;
  last_version: number;
  last_position: string;
  fingerprint: string | null;
};

export type StoredIdRow = { event_id: string; position: string; stream_id: string; version: number };

/** Positions stay far below 2^53, so a JS number holds them exactly. */
export const toPosition = (value: string | number): number => Number(value);

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: toPosition(row.position),
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.version,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
  };
}
