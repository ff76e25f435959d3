import { inList, type Maybe, type ReadDb, andThen } from '../readDb.js';
import { type ReadSource, readDbOf } from '../readDbOf.js';
import { encodeOrderCursor } from './cursor.js';
import { type OrderItemRow, type OrderViewRow, toOrderView } from './readModel.js';
import type { OrderView, OrderViewStatus } from './view.js';

export type OrderFilter = { customerId?: string; status?: OrderViewStatus };

export type OrderPage = {
  nodes: { view: OrderView; cursor: string }[];
  hasNextPage: boolean;
  totalCount: number;
};

/** Reads of the live order view tables, in either database. Never touches the event log. */
export class OrderViewQueries {
  private readonly db: ReadDb;
  private readonly itemsOf: string;

  constructor(source: ReadSource) {
    this.db = readDbOf(source);
    this.itemsOf = `SELECT * FROM order_view_items WHERE ${inList(this.db.dialect, 'order_id', '$1')} ORDER BY order_id, line_number`;
  }

  getOrderView(orderId: string): Maybe<OrderView | undefined> {
    return andThen(this.db.all<OrderViewRow>('SELECT * FROM order_views WHERE order_id = $1', [orderId]), (rows) =>
      andThen(this.withItems(rows), (views) => views[0]),
    );
  }

  /** Every order the customer placed, through the customer index: what a customer's replay reads of the log. */
  orderIdsOfCustomer(customerId: string): Maybe<string[]> {
    return andThen(this.db.all<{ order_id: string }>('SELECT order_id FROM order_views WHERE customer_id = $1', [customerId]), (rows) =>
      rows.map((row) => row.order_id),
    );
  }

  /** Newest first: `first` orders placed before the cursor `afterPosition`. One statement after the other (`db` may be a client). */
  listOrderViews(filter: OrderFilter, first: number, afterPosition?: number): Maybe<OrderPage> {
    const given = Object.entries({ customer_id: filter.customerId, status: filter.status }).filter(([, value]) => value !== undefined);
    const conditions = given.map(([column], index) => `${column} = $${index + 1}`);
    const values: unknown[] = given.map(([, value]) => value);
    const pageConditions = afterPosition === undefined ? conditions : [...conditions, `placed_position < $${values.length + 1}`];
    const pageValues = afterPosition === undefined ? values : [...values, afterPosition];
    const page = `SELECT * FROM order_views ${where(pageConditions)} ORDER BY placed_position DESC LIMIT $${pageValues.length + 1}`;
    return andThen(this.db.all<OrderViewRow>(page, [...pageValues, first + 1]), (rows) =>
      andThen(this.db.all<{ count: number }>(`SELECT count(*) AS count FROM order_views ${where(conditions)}`, values), ([counted]) => {
        const pageRows = rows.slice(0, first);
        return andThen(this.withItems(pageRows), (views) => ({
          nodes: views.map((view, index) => ({ view, cursor: encodeOrderCursor(pageRows[index]!.placed_position) })),
          hasNextPage: rows.length > first,
          totalCount: counted!.count,
        }));
      }),
    );
  }

  /** The items of all the rows in one query. */
  private withItems(rows: OrderViewRow[]): Maybe<OrderView[]> {
    if (rows.length === 0) return [];
    return andThen(this.db.all<OrderItemRow>(this.itemsOf, [rows.map((row) => row.order_id)]), (items) =>
      rows.map((row) =>
        toOrderView(
          row,
          items.filter((item) => item.order_id === row.order_id),
        ),
      ),
    );
  }
}

function where(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}
