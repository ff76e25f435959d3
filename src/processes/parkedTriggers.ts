import type Database from 'better-sqlite3';
import { withoutFsync } from '../eventstore/sqlite/withoutFsync.js';

/** A trigger a process set aside: the event, the unit of work it belongs to (an order), and why. */
export type ParkedTrigger = {
  process: string;
  /** The unit of work (e.g. `order:<id>`): its later triggers wait behind this one. */
  key: string;
  position: number;
  eventId: string;
  eventType: string;
  message: string;
  parkedAt: string;
};

type Row = {
  process: string;
  park_key: string;
  position: number;
  event_id: string;
  event_type: string;
  message: string;
  parked_at: string;
};

/**
 * The triggers each process could not handle, kept beside its checkpoint so that one bad order
 * never stops the process for every other order. Rows are removed when a retry handles them.
 */
export class ParkedTriggers {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS process_parked_triggers (
      process    TEXT    NOT NULL,
      position   INTEGER NOT NULL,
      park_key   TEXT    NOT NULL,
      event_id   TEXT    NOT NULL,
      event_type TEXT    NOT NULL,
      message    TEXT    NOT NULL,
      parked_at  TEXT    NOT NULL,
      PRIMARY KEY (process, position)
    ) STRICT;
    CREATE INDEX IF NOT EXISTS process_parked_triggers_by_key ON process_parked_triggers (process, park_key, position);`);
    this.statements = {
      park: db.prepare<Row, void>(
        `INSERT INTO process_parked_triggers (process, position, park_key, event_id, event_type, message, parked_at)
         VALUES (@process, @position, @park_key, @event_id, @event_type, @message, @parked_at)
         ON CONFLICT (process, position) DO UPDATE SET message = excluded.message, parked_at = excluded.parked_at`,
      ),
      all: db.prepare<[string], Row>('SELECT * FROM process_parked_triggers WHERE process = ? ORDER BY position'),
      firstOfKey: db
        .prepare<[string, string], number>('SELECT min(position) FROM process_parked_triggers WHERE process = ? AND park_key = ?')
        .pluck(),
      remove: db.prepare<[string, number], void>('DELETE FROM process_parked_triggers WHERE process = ? AND position = ?'),
    };
  }

  /** Records (or, parked again, updates the reason of) a trigger. */
  park(trigger: Omit<ParkedTrigger, 'parkedAt'>): void {
    const row: Row = {
      process: trigger.process,
      position: trigger.position,
      park_key: trigger.key,
      event_id: trigger.eventId,
      event_type: trigger.eventType,
      message: trigger.message.slice(0, 1000),
      parked_at: new Date().toISOString(),
    };
    withoutFsync(this.db, () => this.statements.park.run(row));
  }

  /** The position of the earliest trigger parked under `key`, if any. */
  firstParked(process: string, key: string): number | undefined {
    return this.statements.firstOfKey.get(process, key) ?? undefined;
  }

  list(process: string): ParkedTrigger[] {
    return this.statements.all.all(process).map((row) => ({
      process: row.process,
      key: row.park_key,
      position: row.position,
      eventId: row.event_id,
      eventType: row.event_type,
      message: row.message,
      parkedAt: row.parked_at,
    }));
  }

  remove(process: string, position: number): void {
    withoutFsync(this.db, () => this.statements.remove.run(process, position));
  }
}
