/**
 * The least any event-sourced server must do for `placeOrder` and `order(id)`, in a bare Apollo +
 * type-graphql resolver: the same-job baseline of bench scenarios 2 and 3.
 *
 * - `placeOrderSameJob(input)`: works out the total in cents, appends one event durably to a minimal
 *   events table (synchronous=FULL, WAL; the appends of one turn of the event loop commit together,
 *   as orderstream's group commit does), upserts one read row in the same transaction, and answers
 *   from that row.
 * - `orderRow(id)`: reads one row by primary key.
 * No token, validation limits, idempotency, read models, processes, logging or metrics.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Arg, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Money } from './money.js';

@InputType()
class SameJobItem {
  @Field(() => ID)
  productId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => String)
  unitPrice!: string;
}

@InputType()
class SameJobInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => [SameJobItem])
  items!: SameJobItem[];
}

@ObjectType()
class SameJobOrder {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  status!: string;

  @Field(() => Int)
  itemCount!: number;

  @Field(() => Money)
  total!: Money;

  @Field(() => Int)
  version!: number;

  @Field(() => Int)
  position!: number;
}

type OrderRow = {
  id: string;
  status: string;
  item_count: number;
  total_minor: number;
  currency: string;
  version: number;
  position: number;
};

const db = new Database(join(mkdtempSync(join(tmpdir(), 'orderstream-same-job-')), 'log.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
                       data TEXT NOT NULL, UNIQUE (stream_id, version));
  CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT NOT NULL, item_count INTEGER NOT NULL, total_minor INTEGER NOT NULL,
                       currency TEXT NOT NULL, version INTEGER NOT NULL, position INTEGER NOT NULL);
`);
const appendEvent = db.prepare('INSERT INTO events (stream_id, version, type, data) VALUES (?, 1, ?, ?)');
const upsertRow = db.prepare(`INSERT INTO orders VALUES (@id, @status, @item_count, @total_minor, @currency, @version, @position)
                              ON CONFLICT (id) DO UPDATE SET status = excluded.status, version = excluded.version, position = excluded.position`);
const readRow = db.prepare('SELECT * FROM orders WHERE id = ?');

type Pending = { row: OrderRow; data: string; done: (row: OrderRow) => void; failed: (error: unknown) => void };
let waiting: Pending[] = [];

/** One transaction, one fsync, for every append of this turn of the event loop. */
const commitGroup = db.transaction((group: Pending[]) => {
  for (const pending of group) {
    pending.row.position = Number(appendEvent.run(pending.row.id, 'OrderPlaced', pending.data).lastInsertRowid);
    upsertRow.run(pending.row);
  }
});

function flush(): void {
  const group = waiting;
  waiting = [];
  try {
    commitGroup(group);
    for (const pending of group) pending.done(readRow.get(pending.row.id) as OrderRow);
  } catch (error) {
    for (const pending of group) pending.failed(error);
  }
}

function append(row: OrderRow, data: string): Promise<OrderRow> {
  return new Promise((done, failed) => {
    if (waiting.length === 0) setImmediate(flush);
    waiting.push({ row, data, done, failed });
  });
}

const cents = (amount: string): number => Math.round(Number(amount) * 100);
const asOrder = (row: OrderRow): SameJobOrder => ({
  id: row.id,
  status: row.status,
  itemCount: row.item_count,
  total: { amount: (row.total_minor / 100).toFixed(2), currency: row.currency },
  version: row.version,
  position: row.position,
});

@Resolver()
export class SameJobResolver {
  @Mutation(() => SameJobOrder)
  async placeOrderSameJob(@Arg('input', () => SameJobInput) input: SameJobInput): Promise<SameJobOrder> {
    const id = randomUUID();
    const items = input.items.map((item) => ({ ...item, unitPriceMinor: cents(item.unitPrice) }));
    const totalMinor = items.reduce((sum, item) => sum + item.quantity * item.unitPriceMinor, 0);
    const itemCount = items.reduce((sum, item) => sum + item.quantity, 0);
    const data = JSON.stringify({ orderId: id, customerId: input.customerId, items, currency: 'USD', totalMinor });
    const row: OrderRow = {
      id,
      status: 'PENDING',
      item_count: itemCount,
      total_minor: totalMinor,
      currency: 'USD',
      version: 1,
      position: 0,
    };
    return asOrder(await append(row, data));
  }

  @Query(() => SameJobOrder, { nullable: true })
  orderRow(@Arg('id', () => ID) id: string): SameJobOrder | null {
    const row = readRow.get(id) as OrderRow | undefined;
    return row ? asOrder(row) : null;
  }
}
