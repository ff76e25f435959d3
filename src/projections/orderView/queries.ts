import type Database from 'better-sqlite3';
import { encodeOrderCursor } from './cursor.js';
import { LIVE_ORDER_VIEW_TABLES, type OrderItemRow, type OrderViewRow, type OrderViewTableNames } from './table.js';
import type { OrderView, OrderViewStatus } from './view.js';

export type OrderFilter = { customerId?: string; status?: OrderViewStatus };

export type OrderPage = {
  nodes: { view: OrderView; cursor: string }[];
  hasNextPage: boolean;
  totalCount: number;
};

/** Reads of the order view tables (the live ones unless told otherwise). Never touches the event log. */
export class OrderViewQueries {
  private readonly byId: Database.Statement<[string], OrderViewRow>;
  private readonly itemsOf: Database.Statement<[string], OrderItemRow>;
  private readonly pageStatements = new Map<string, { page: Database.Statement; count: Database.Statement }>();

  constructor(
    private readonly db: Database.Database,
    private readonly tables: OrderViewTableNames = LIVE_ORDER_VIEW_TABLES,
  ) {
    this.byId = db.prepare(`SELECT * FROM ${tables.order_views} WHERE order_id = ?`);
    this.itemsOf = db.prepare(
      `SELECT * FROM ${tables.order_view_items} WHERE order_id IN (SELECT value FROM json_each(?))
       ORDER BY order_id, line_number`,
    );
  }

  getOrderView(orderId: string): OrderView | undefined {
    const row = this.byId.get(orderId);
    return row && this.withItems([row])[0];
  }

  /** Newest first: `first` orders placed before the cursor `afterPosition`. */
  listOrderViews(filter: OrderFilter, first: number, afterPosition?: number): OrderPage {
    const { page, count } = this.statementsFor(filter, afterPosition !== undefined);
    const filterParams = [filter.customerId, filter.status].filter((value) => value !== undefined);
    const rows = page.all(...filterParams, ...(afterPosition !== undefined ? [afterPosition] : []), first + 1) as OrderViewRow[];
    const totalCount = count.get(...filterParams) as number;
    const pageRows = rows.slice(0, first);
    const views = this.withItems(pageRows);
    return {
      nodes: views.map((view, index) => ({ view, cursor: encodeOrderCursor(pageRows[index]!.placed_position) })),
      hasNextPage: rows.length > first,
      totalCount,
    };
  }

  /** One prepared statement per filter shape, so each can use its index. */
  private statementsFor(filter: OrderFilter, hasCursor: boolean) {
    const key = `${filter.customerId !== undefined}/${filter.status !== undefined}/${hasCursor}`;
    let statements = this.pageStatements.get(key);
    if (!statements) {
      const conditions = [
        ...(filter.customerId !== undefined ? ['customer_id = ?'] : []),
        ...(filter.status !== undefined ? ['status = ?'] : []),
      ];
      const where = (extra: string[]) => (extra.length ? `WHERE ${extra.join(' AND ')}` : '');
      statements = {
        page: this.db.prepare(
          `SELECT * FROM ${this.tables.order_views} ${where([...conditions, ...(hasCursor ? ['placed_position < ?'] : [])])}
           ORDER BY placed_position DESC LIMIT ?`,
        ),
        count: this.db.prepare(`SELECT count(*) FROM ${this.tables.order_views} ${where(conditions)}`).pluck(),
      };
      this.pageStatements.set(key, statements);
    }
    return statements;
  }

  private withItems(rows: OrderViewRow[]): OrderView[] {
    if (rows.length === 0) return [];
    const items = this.itemsOf.all(JSON.stringify(rows.map((row) => row.order_id)));
    return rows.map((row) =>
      toOrderView(
        row,
        items.filter((item) => item.order_id === row.order_id),
      ),
    );
  }
}

/** A row and its items as the read side serves them; shared with the PostgreSQL queries. */
export function toOrderView(row: OrderViewRow, items: OrderItemRow[]): OrderView {
  return {
    id: row.order_id,
    customerId: row.customer_id,
    status: row.status as OrderViewStatus,
    currency: row.currency,
    totalMinor: row.total_minor,
    items: items.map((item) => ({
      productId: item.product_id,
      name: item.name,
      quantity: item.quantity,
      unitPriceMinor: item.unit_price_minor,
      lineTotalMinor: item.line_total_minor,
    })),
    itemCount: row.item_count,
    paymentId: row.payment_id,
    paymentMethod: row.payment_method,
    trackingNumber: row.tracking_number,
    carrier: row.carrier,
    estimatedDelivery: row.estimated_delivery,
    cancellationReason: row.cancellation_reason,
    refundMinor: row.refund_minor,
    placedAt: row.placed_at,
    updatedAt: row.updated_at,
    version: row.version,
    position: row.position,
  };
}
