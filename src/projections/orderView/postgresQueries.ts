import type { Queryable } from '../postgres/postgresProjection.js';
import { encodeOrderCursor } from './cursor.js';
import { type OrderFilter, type OrderPage, toOrderView } from './queries.js';
import { LIVE_ORDER_VIEW_TABLES, type OrderItemRow, type OrderViewRow, type OrderViewTableNames } from './table.js';
import type { OrderView } from './view.js';

/**
 * Reads of the order view tables in PostgreSQL (the live ones unless told otherwise), with the
 * answers of OrderViewQueries. `db` must read int8 as numbers (readSideTypes). Never touches the log.
 */
export class PostgresOrderViewQueries {
  constructor(
    private readonly db: Queryable,
    private readonly tables: OrderViewTableNames = LIVE_ORDER_VIEW_TABLES,
  ) {}

  async getOrderView(orderId: string): Promise<OrderView | undefined> {
    const { rows } = await this.db.query<OrderViewRow>(`SELECT * FROM ${this.tables.order_views} WHERE order_id = $1`, [orderId]);
    return (await this.withItems(rows))[0];
  }

  /** Newest first: `first` orders placed before the cursor `afterPosition`. */
  async listOrderViews(filter: OrderFilter, first: number, afterPosition?: number): Promise<OrderPage> {
    const filtered = filterConditions(filter);
    const page = { conditions: [...filtered.conditions], values: [...filtered.values] };
    if (afterPosition !== undefined) {
      page.values.push(afterPosition);
      page.conditions.push(`placed_position < $${page.values.length}`);
    }
    page.values.push(first + 1);
    // One after the other: `db` may be a client, which runs one query at a time.
    const { rows } = await this.db.query<OrderViewRow>(
      `SELECT * FROM ${this.tables.order_views} ${where(page.conditions)}
       ORDER BY placed_position DESC LIMIT $${page.values.length}`,
      page.values,
    );
    const { rows: counted } = await this.db.query<{ count: number }>(
      `SELECT count(*) FROM ${this.tables.order_views} ${where(filtered.conditions)}`,
      filtered.values,
    );
    const pageRows = rows.slice(0, first);
    const views = await this.withItems(pageRows);
    return {
      nodes: views.map((view, index) => ({ view, cursor: encodeOrderCursor(pageRows[index]!.placed_position) })),
      hasNextPage: rows.length > first,
      totalCount: counted[0]!.count,
    };
  }

  /** The items of all the rows in one query. */
  private async withItems(rows: OrderViewRow[]): Promise<OrderView[]> {
    if (rows.length === 0) return [];
    const { rows: items } = await this.db.query<OrderItemRow>(
      `SELECT * FROM ${this.tables.order_view_items} WHERE order_id = ANY($1) ORDER BY order_id, line_number`,
      [rows.map((row) => row.order_id)],
    );
    return rows.map((row) =>
      toOrderView(
        row,
        items.filter((item) => item.order_id === row.order_id),
      ),
    );
  }
}

/** `column = $n` for each filter given, numbered from $1. */
function filterConditions(filter: OrderFilter): { conditions: string[]; values: unknown[] } {
  const given = Object.entries({ customer_id: filter.customerId, status: filter.status }).filter(([, value]) => value !== undefined);
  return {
    conditions: given.map(([column], index) => `${column} = $${index + 1}`),
    values: given.map(([, value]) => value),
  };
}

function where(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}
