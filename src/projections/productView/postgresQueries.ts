import type { Queryable } from '../postgres/postgresProjection.js';
import { encodeProductCursor } from './cursor.js';
import { type ProductPage, type ProductPrices, pricesFromRows, toProductView } from './queries.js';
import { LIVE_PRODUCT_VIEW_TABLES, type ProductViewRow, type ProductViewTableNames } from './table.js';
import type { ProductView } from './view.js';

/**
 * Reads of the product view table in PostgreSQL (the live one unless told otherwise), with the
 * answers of ProductViewQueries. `db` must read int8 as numbers (readSideTypes). Never touches the log.
 */
export class PostgresProductViewQueries {
  constructor(
    private readonly db: Queryable,
    private readonly tables: ProductViewTableNames = LIVE_PRODUCT_VIEW_TABLES,
  ) {}

  async getProductView(productId: string): Promise<ProductView | undefined> {
    const { rows } = await this.db.query<ProductViewRow>(`SELECT * FROM ${this.tables.product_views} WHERE product_id = $1`, [productId]);
    return rows[0] && toProductView(rows[0]);
  }

  /** By product id: `first` products after the cursor's `afterProductId`. */
  async listProductViews(first: number, afterProductId?: string): Promise<ProductPage> {
    const { product_views } = this.tables;
    // One after the other: `db` may be a client, which runs one query at a time.
    const { rows } =
      afterProductId === undefined
        ? await this.db.query<ProductViewRow>(`SELECT * FROM ${product_views} ORDER BY product_id LIMIT $1`, [first + 1])
        : await this.db.query<ProductViewRow>(`SELECT * FROM ${product_views} WHERE product_id > $1 ORDER BY product_id LIMIT $2`, [
            afterProductId,
            first + 1,
          ]);
    const { rows: counted } = await this.db.query<{ count: number }>(`SELECT count(*) FROM ${product_views}`);
    const pageRows = rows.slice(0, first);
    return {
      nodes: pageRows.map((row) => ({ view: toProductView(row), cursor: encodeProductCursor(row.product_id) })),
      hasNextPage: rows.length > first,
      totalCount: counted[0]!.count,
    };
  }

  /** The current price of each of `productIds` (see ProductPrices), in one read. */
  async pricesOf(productIds: readonly string[]): Promise<ProductPrices> {
    if (productIds.length === 0) return new Map();
    const { product_views } = this.tables;
    const { rows } = await this.db.query<ProductViewRow>(`SELECT * FROM ${product_views} WHERE product_id = ANY($1::text[])`, [
      [...productIds],
    ]);
    return pricesFromRows(rows);
  }
}
