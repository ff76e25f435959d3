import type Database from 'better-sqlite3';

/** The floor: read every row in position order and parse its JSON, nothing else. */
export function bareRead(db: Database.Database): number {
  const rows = db
    .prepare<
      [],
      {
        position: number;
        event_id: string;
        stream_id: string;
        stream_type: string;
        version: number;
        type: string;
        schema_version: number;
        data: string;
        metadata: string;
      }
    >('SELECT position, event_id, stream_id, stream_type, version, type, schema_version, data, metadata FROM events ORDER BY position')
    .iterate();
  let count = 0;
  let checksum = 0;
  for (const row of rows) {
    const data = JSON.parse(row.data) as { orderId: string };
    const metadata = JSON.parse(row.metadata) as { occurredAt: string };
    checksum += data.orderId.length + metadata.occurredAt.length + row.position;
    count++;
  }
  if (checksum === 0 && count > 0) throw new Error('unreachable');
  return count;
}
