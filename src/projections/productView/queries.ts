import type { Money } from '../../domain/money.js';
import { inList, type Maybe, type ReadDb, andThen } from '../readDb.js';
import { type ReadSource, readDbOf } from '../readDbOf.js';
import { encodeProductCursor } from './cursor.js';
import { type ProductViewRow, priceOf, toProductView } from './readModel.js';
import type { ProductView } from './view.js';

export type ProductPage = {
  nodes: { view: ProductView; cursor: string }[];
  hasNextPage: boolean;
  totalCount: number;
};

/**
 * The current catalog prices of some products, by product id: a product the read side does not
 * know is absent, one without a price (not sellable to customers until priced) maps to null.
 */
export type ProductPrices = Map<string, Money | null>;

/** Reads of the live product view table, in either database. Never touches the event log. */
export class ProductViewQueries {
  private readonly db: ReadDb;
  private readonly byIds: string;

  constructor(source: ReadSource) {
    this.db = readDbOf(source);
    this.byIds = `SELECT * FROM product_views WHERE ${inList(this.db.dialect, 'product_id', '$1')}`;
  }

  getProductView(productId: string): Maybe<ProductView | undefined> {
    return andThen(
      this.db.all<ProductViewRow>('SELECT * FROM product_views WHERE product_id = $1', [productId]),
      ([row]) => row && toProductView(row),
    );
  }

  /** By product id: `first` products after the cursor's `afterProductId`. One statement after the other (`db` may be a client). */
  listProductViews(first: number, afterProductId?: string): Maybe<ProductPage> {
    const page =
      afterProductId === undefined
        ? this.db.all<ProductViewRow>('SELECT * FROM product_views ORDER BY product_id LIMIT $1', [first + 1])
        : this.db.all<ProductViewRow>('SELECT * FROM product_views WHERE product_id > $1 ORDER BY product_id LIMIT $2', [
            afterProductId,
            first + 1,
          ]);
    return andThen(page, (rows) =>
      andThen(this.db.all<{ count: number }>('SELECT count(*) AS count FROM product_views'), ([counted]) => {
        const pageRows = rows.slice(0, first);
        return {
          nodes: pageRows.map((row) => ({ view: toProductView(row), cursor: encodeProductCursor(row.product_id) })),
          hasNextPage: rows.length > first,
          totalCount: counted!.count,
        };
      }),
    );
  }

  /** The current price of each of `productIds` (see ProductPrices), in one read. */
  pricesOf(productIds: readonly string[]): Maybe<ProductPrices> {
    if (productIds.length === 0) return new Map();
    return andThen(
      this.db.all<ProductViewRow>(this.byIds, [[...productIds]]),
      (rows) => new Map(rows.map((row) => [row.product_id, priceOf(row)])),
    );
  }
}
