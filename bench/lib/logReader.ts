import Database from 'better-sqlite3';

/**
 * The bench's own read-only look at a server's SQLite log while the server runs (WAL lets it):
 * what was appended after a position, to check that the order process did its work and how far
 * behind it is in orders and in time. A few indexed reads, twice a second at most.
 */
export class LogReader {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    this.statements = {
      head: this.db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck(),
      countAfter: this.db.prepare<[number, string], number>('SELECT count(*) FROM events WHERE position > ? AND type = ?').pluck(),
      firstOccurredAfter: this.db
        .prepare<[number, string], string>(
          "SELECT json_extract(metadata, '$.occurredAt') FROM events WHERE position > ? AND type = ? ORDER BY position LIMIT 1",
        )
        .pluck(),
    };
  }

  head(): number {
    return this.statements.head.get() ?? 0;
  }

  /** Events of `type` after `position`. */
  countAfter(position: number, type: string): number {
    return this.statements.countAfter.get(position, type) ?? 0;
  }

  /** Seconds since the first event of `type` after `position` happened; 0 when there is none. */
  ageOfFirstAfter(position: number, type: string): number {
    const occurredAt = this.statements.firstOccurredAfter.get(position, type);
    return occurredAt === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(occurredAt)) / 1000);
  }

  close(): void {
    this.db.close();
  }
}
