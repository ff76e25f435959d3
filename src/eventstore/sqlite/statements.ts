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
    streamVersion: db
      .prepare<[string], number | null>('SELECT max(version) FROM events WHERE stream_id = ?')
      .pluck(),
    eventById: db.prepare<[string], Pick<EventRow, 'position' | 'stream_id' | 'version'>>(
      'SELECT position, stream_id, version FROM events WHERE event_id = ?',
    ),
    insert: db.prepare<
      [string, string, string, number, string, number, string, string],
      void
    >(
      `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    readStream: db.prepare<[string, number], EventRow>(
      'SELECT * FROM events WHERE stream_id = ? AND version >= ? ORDER BY version',
    ),
    readAll: db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
    ),
    readAllFiltered: db.prepare<{ after: number; limit: number; types: string | null; streamId: string | null }, EventRow>(
      `SELECT * FROM events
       WHERE position > @after
         AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
         AND (@streamId IS NULL OR stream_id = @streamId)
       ORDER BY position LIMIT @limit`,
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
    readCorrelation: db.prepare<[string, number], EventRow>(
      `SELECT * FROM events WHERE json_extract(metadata, '$.correlationId') = ? ORDER BY position LIMIT ?`,
    ),
    headPosition: db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
  };
}
