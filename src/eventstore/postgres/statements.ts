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
 * Serializes appends to this log (see PostgresEventStore.append). The two-key form keeps our key
 * space apart from other users of advisory locks; the table's oid makes it one lock per log, so logs
 * in different schemas do not wait for each other.
 */
const APPEND_LOCK_CLASS = 0x05_7e_a3;

/** Every statement the store runs, in one place. */
export const SQL = {
  lockAppends: `SELECT pg_advisory_xact_lock(${APPEND_LOCK_CLASS}, 'events'::regclass::oid::int)`,
  streamVersion: 'SELECT coalesce(max(version), 0) AS version FROM events WHERE stream_id = $1',
  eventsById: 'SELECT event_id, position, stream_id, version FROM events WHERE event_id = ANY($1::text[])',
  insert: `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) RETURNING position`,
  notify: 'SELECT pg_notify($1, $2)',
  // An import's batch in one statement; ORDER BY keeps the file's order in the positions drawn.
  insertMany: `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
               SELECT event_id, stream_id, stream_type, version, type, schema_version, data, metadata
               FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])
                    WITH ORDINALITY AS batch (event_id, stream_id, stream_type, version, type, schema_version, data, metadata, n)
               ORDER BY n
               RETURNING position`,
  // Each stream's last event, through the (stream_id, version) index: one row each, however long the stream.
  streams: `SELECT last.* FROM unnest($1::text[]) AS asked (stream_id)
            CROSS JOIN LATERAL (SELECT stream_id, stream_type, version FROM events
                                WHERE events.stream_id = asked.stream_id ORDER BY version DESC LIMIT 1) AS last`,
  readStream: `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
  readAll: `SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
  readAllFiltered: `SELECT ${EVENT_COLUMNS} FROM events
                    WHERE position > $1
                      AND ($3::text[] IS NULL OR type = ANY($3::text[]))
                    ORDER BY position LIMIT $2`,
  // Through the (stream_id, version) index, never a scan from the position. Within a stream, version
  // order is position order: appends are serialised by the append lock.
  readStreamAfter: `SELECT ${EVENT_COLUMNS} FROM events
                    WHERE stream_id = $4 AND position > $1
                      AND ($3::text[] IS NULL OR type = ANY($3::text[]))
                    ORDER BY version LIMIT $2`,
  // Each wanted stream's events through the stream index.
  readStreams: `SELECT mine.* FROM (SELECT DISTINCT unnest($5::text[]) AS stream_id) AS wanted
                CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events
                                    WHERE events.stream_id = wanted.stream_id AND events.position > $1
                                      AND ($3::text[] IS NULL OR events.type = ANY($3::text[]))
                                      AND ($4::text IS NULL OR events.stream_id = $4)) AS mine
                ORDER BY mine.position LIMIT $2`,
  // A key's events are in one stream; should a bug ever spread them, the first stream written answers.
  recordedCommand: `SELECT stream_id, min(version) AS first_version, max(version) AS last_version,
                           max(position) AS last_position, min(metadata->>'commandFingerprint') AS fingerprint
                    FROM events WHERE metadata->>'commandId' = $1
                    GROUP BY stream_id ORDER BY last_position LIMIT 1`,
  recordedCommands: `SELECT metadata->>'commandId' AS command_id, stream_id, min(version) AS first_version,
                            max(version) AS last_version, max(position) AS last_position,
                            min(metadata->>'commandFingerprint') AS fingerprint, array_agg(type ORDER BY version) AS types
                     FROM events WHERE metadata->>'commandId' = ANY($1::text[])
                     GROUP BY 1, stream_id ORDER BY last_position`,
  readCorrelation: `SELECT ${EVENT_COLUMNS} FROM events WHERE metadata->>'correlationId' = $1 ORDER BY position LIMIT $2`,
  headPosition: 'SELECT coalesce(max(position), 0) AS position FROM events',
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
