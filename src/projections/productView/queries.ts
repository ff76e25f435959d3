import type Database from 'better-sqlite3';
import type { Money } from '../../domain/money.js';
import { encodeProductCursor } from './cursor.js';
import { LIVE_PRODUCT_VIEW_TABLES, type ProductViewRow, type ProductViewTableNames } from './table.js';
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

/** Reads of the product view table (the live one unless told otherwise). Never touches the event log. */
export class ProductViewQueries {
  private readonly byId: Database.Statement<[string], ProductViewRow>;
  private readonly firstPage: Database.Statement<[number], ProductViewRow>;
  private readonly pageAfter: Database.Statement<[string, number], ProductViewRow>;
  private readonly count: Database.Statement<[], number>;
  private readonly pricesByIds: Database.Statement<[string], ProductViewRow>;

  constructor(db: Database.Database, tables: ProductViewTableNames = LIVE_PRODUCT_VIEW_TABLES) {
    const { product_views } = tables;
    this.byId = db.prepare(`SELECT * FROM ${product_views} WHERE product_id = ?`);
    this.firstPage = db.prepare(`SELECT * FROM ${product_views} ORDER BY product_id LIMIT ?`);
    this.pageAfter = db.prepare(`SELECT * FROM ${product_views} WHERE product_id > ? ORDER BY product_id LIMIT ?`);
    this.count = db.prepare<[], number>(`SELECT count(*) FROM ${product_views}`).pluck();
    this.pricesByIds = db.prepare(`SELECT * FROM ${product_views} WHERE product_id IN (SELECT value FROM json_each(?))`);
  }

  getProductView(productId: string): ProductView | undefined {
    const row = this.byId.get(productId);
    return row && toProductView(row);
  }

  /** By product id: `first` products after the cursor's `afterProductId`. */
  listProductViews(first: number, afterProductId?: string): ProductPage {
    const rows = afterProductId === undefined ? this.firstPage.all(first + 1) : this.pageAfter.all(afterProductId, first + 1);
    const pageRows = rows.slice(0, first);
    return {
      nodes: pageRows.map((row) => ({ view: toProductView(row), cursor: encodeProductCursor(row.product_id) })),
      hasNextPage: rows.length > first,
      totalCount: this.count.get()!,
    };
  }

  /** The current price of each of `productIds` (see ProductPrices), in one read. */
  pricesOf(productIds: readonly string[]): ProductPrices {
    if (productIds.length === 0) return new Map();
    return pricesFromRows(this.pricesByIds.all(JSON.stringify(productIds)));
  }
}

/** Shared with the PostgreSQL queries. */
export function pricesFromRows(rows: readonly ProductViewRow[]): ProductPrices {
  return new Map(rows.map((row) => [row.product_id, priceOf(row)]));
}

/** A row as the read side serves it; shared with the PostgreSQL queries. */
export function toProductView(row: ProductViewRow): ProductView {
  return {
    id: row.product_id,
    name: row.name,
    price: priceOf(row),
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.available,
    version: row.version,
    position: row.position,
    updatedAt: row.updated_at,
  };
}

function priceOf(row: ProductViewRow): Money | null {
  return row.price_minor == null || row.price_currency == null ? null : { amountMinor: row.price_minor, currency: row.price_currency };
}
