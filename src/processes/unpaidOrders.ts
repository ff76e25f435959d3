import type Database from 'better-sqlite3';
import { toStorageError } from '../eventstore/sqlite/storageErrors.js';
import { withoutFsync } from '../eventstore/sqlite/withoutFsync.js';

/** An unpaid order: when it was placed, and what the expiry command needs of its OrderPlaced. */
export type UnpaidOrder = {
  orderId: string;
  /** OrderPlaced's time, in milliseconds since the epoch; its deadline is this plus the payment timeout. */
  placedAt: number;
  /** The OrderPlaced event's id: the expiry's idempotency key derives from it. */
  placedEventId: string;
  correlationId: string;
};

type Row = { order_id: string; placed_at: number; placed_event_id: string; correlation_id: string };

/**
 * The orders the paymentExpiry process has seen placed and not yet paid or cancelled, with their
 * time of placing, in the SQLite file beside the process checkpoints. The deadline is computed from
 * it with the timeout configured now, so a changed timeout applies to every order still unpaid.
 * Derived from the log like a read model: every write is idempotent (an upsert, a delete), so a
 * process that handles an event again after a crash before its checkpoint leaves the same rows; and a
 * file that loses them loses its checkpoint with them (see withoutFsync), so the process writes them
 * again.
 */
export class UnpaidOrders {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS unpaid_orders (
      order_id        TEXT    PRIMARY KEY,
      placed_at       INTEGER NOT NULL,
      placed_event_id TEXT    NOT NULL,
      correlation_id  TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS unpaid_orders_by_placed_at ON unpaid_orders (placed_at);`);
    this.statements = {
      record: db.prepare<Row, void>(
        `INSERT INTO unpaid_orders (order_id, placed_at, placed_event_id, correlation_id)
         VALUES (@order_id, @placed_at, @placed_event_id, @correlation_id)
         ON CONFLICT (order_id) DO UPDATE SET placed_at = excluded.placed_at, placed_event_id = excluded.placed_event_id,
           correlation_id = excluded.correlation_id`,
      ),
      remove: db.prepare<[string], void>('DELETE FROM unpaid_orders WHERE order_id = ?'),
      earliest: db.prepare<[], number | null>('SELECT min(placed_at) FROM unpaid_orders').pluck(),
      placedBy: db.prepare<{ cutoff: number; limit: number }, Row>(
        'SELECT * FROM unpaid_orders WHERE placed_at <= @cutoff ORDER BY placed_at, order_id LIMIT @limit',
      ),
    };
  }

  /**
   * Applies one batch of changes in one transaction: records and removals, in the order given. A
   * storage fault throws StorageUnavailableError (the process tries again at its next poll).
   */
  apply(changes: readonly ({ record: UnpaidOrder } | { remove: string })[]): void {
    if (changes.length === 0) return;
    this.write(() =>
      this.db
        .transaction(() => {
          for (const change of changes) {
            if ('record' in change) {
              const { orderId, placedAt, placedEventId, correlationId } = change.record;
              this.statements.record.run({
                order_id: orderId,
                placed_at: placedAt,
                placed_event_id: placedEventId,
                correlation_id: correlationId,
              });
            } else {
              this.statements.remove.run(change.remove);
            }
          }
        })
        .immediate(),
    );
  }

  remove(orderId: string): void {
    this.write(() => this.statements.remove.run(orderId));
  }

  private write(change: () => void): void {
    try {
      withoutFsync(this.db, change);
    } catch (error) {
      throw toStorageError(error, 'The unpaid orders could not be written');
    }
  }

  /** When the unpaid order placed first was placed, if there is one. */
  earliestPlacedAt(): number | undefined {
    return this.statements.earliest.get() ?? undefined;
  }

  /** Up to `limit` unpaid orders placed at or before `cutoff`, earliest first. */
  placedBy(cutoff: number, limit: number): UnpaidOrder[] {
    return this.statements.placedBy.all({ cutoff, limit }).map((row) => ({
      orderId: row.order_id,
      placedAt: row.placed_at,
      placedEventId: row.placed_event_id,
      correlationId: row.correlation_id,
    }));
  }
}
