import type Database from 'better-sqlite3';

export type EventRow = {
  position: number;
  event_id: string;
  stream_id: string;
  stream_type: string;
  version: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
};

/** Every statement the store runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    streamVersion: db.prepare<[string], number | null>('SELECT max(version) FROM events WHERE stream_id = ?').pluck(),
    eventById: db.prepare<[string], Pick<EventRow, 'position' | 'stream_id' | 'version'>>(
      'SELECT position, stream_id, version FROM events WHERE event_id = ?',
    ),
    insert: db.prepare<[string, string, string, number, string, number, string, string], void>(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // LIMIT -1: no limit.
    readStream: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE stream_id = ? AND version >= ? ORDER BY version LIMIT ?',
    ),
    readAll: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    readAllFiltered: db.prepare<{ after: number; limit: number; types: string | null }, EventRow>(
      `SELECT * FROM events
       WHERE position > @after
         AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
       ORDER BY position LIMIT @limit`,
    ),
    // Through the (stream_id, version) index, never a scan from the position. Within a stream, version
    // order is position order: appends to one stream are serialised.
    readStreamAfter: db.prepare<{ after: number; limit: number; types: string | null; streamId: string }, EventRow>(
      `SELECT * FROM events
       WHERE stream_id = @streamId AND position > @after
         AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
       ORDER BY version LIMIT @limit`,
    ),
    // Each wanted stream's events through the stream index; CROSS JOIN keeps that order (SQLite never
    // reorders it), so the log is never scanned.
    readStreams: db.prepare<{ after: number; limit: number; types: string | null; streamId: string | null; streamIds: string }, EventRow>(
      `SELECT events.* FROM (SELECT DISTINCT value FROM json_each(@streamIds)) AS wanted CROSS JOIN events ON events.stream_id = wanted.value
       WHERE events.position > @after
         AND (@types IS NULL OR events.type IN (SELECT value FROM json_each(@types)))
         AND (@streamId IS NULL OR events.stream_id = @streamId)
       ORDER BY events.position LIMIT @limit`,
    ),
    recordedCommand: db.prepare<
      [string],
      { stream_id: string; first_version: number; last_version: number; last_position: number; fingerprint: string | null }
    >(
      `SELECT stream_id, min(version) AS first_version, max(version) AS last_version, max(position) AS last_position,
              json_extract(metadata, '$.commandFingerprint') AS fingerprint
       FROM events WHERE json_extract(metadata, '$.commandId') = ?
       GROUP BY stream_id ORDER BY last_position LIMIT 1`,
    ),
    // Many keys through events_by_command_id at once; a key's events in one stream (see recordedCommand).
    recordedCommands: db.prepare<
      [string],
      {
        command_id: string;
        stream_id: string;
        first_version: number;
        last_version: number;
        last_position: number;
        fingerprint: string | null;
        types: string;
      }
    >(
      `SELECT json_extract(metadata, '$.commandId') AS command_id, stream_id, min(version) AS first_version,
              max(version) AS last_version, max(position) AS last_position,
              json_extract(metadata, '$.commandFingerprint') AS fingerprint, json_group_array(type) AS types
       FROM events WHERE json_extract(metadata, '$.commandId') IN (SELECT value FROM json_each(?))
       GROUP BY command_id, stream_id ORDER BY last_position`,
    ),
    readCorrelation: db.prepare<[string, number], EventRow>(
      `SELECT * FROM events WHERE json_extract(metadata, '$.correlationId') = ? ORDER BY position LIMIT ?`,
    ),
    headPosition: db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
  };
}
