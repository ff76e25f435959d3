import type Database from 'better-sqlite3';
import { type InventoryEvent, PRODUCT_STREAM_TYPE } from '../../domain/inventory/index.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import type { ProjectionDefinition } from '../projection.js';
import { ProductViewQueries } from './queries.js';
import { stockChangeOf } from './stockChange.js';
import { type ProductViewTableNames, productViewTables } from './table.js';
import type { ProductViewChange } from './view.js';

/**
 * Keeps product_views in step with the Product streams: stock on hand, reserved and available per
 * product, and its catalog price. When announcing, each applied event yields the product's view as
 * of that event. Version 2: the price.
 */
export function productViewProjection(
  onCommitted: (changes: ProductViewChange[]) => void = () => undefined,
): ProjectionDefinition<ProductViewChange> {
  return {
    name: 'productView',
    version: 2,
    tables: productViewTables,
    onCommitted,
    create: (db, tables, { announce }) => productViewWriter(db, tables as ProductViewTableNames, announce),
  };
}

function productViewWriter(db: Database.Database, tables: ProductViewTableNames, announce: boolean) {
  const queries = new ProductViewQueries(db, tables);
  const statements = prepareWrites(db, tables);
  return {
    apply(stored: StoredEvent): ProductViewChange | undefined {
      if (stored.streamType !== PRODUCT_STREAM_TYPE) return undefined;
      const event = { type: stored.type, data: stored.data } as InventoryEvent;
      const productId = event.data.productId;
      const currentVersion = statements.versionOf.get(productId);
      // Idempotent: an event at or below the row's version was applied already, most often by another
      // server process on the same file; tell our subscribers as orderView does.
      if (currentVersion !== undefined && stored.version <= currentVersion) {
        return announce && stored.version === currentVersion ? changeOf(productId) : undefined;
      }
      const touched = { productId, version: stored.version, position: stored.position, updatedAt: stored.metadata.occurredAt };

      // Stock events of a product never added match no row and change nothing, as in the domain's evolve.
      const change = stockChangeOf(event);
      if (!change) return undefined;
      switch (change.kind) {
        case 'add':
          statements.insert.run({
            ...touched,
            name: change.name,
            onHand: change.onHand,
            priceMinor: change.price?.amountMinor ?? null,
            priceCurrency: change.price?.currency ?? null,
          });
          break;
        case 'setPrice':
          statements.setPrice.run({ ...touched, priceMinor: change.price.amountMinor, priceCurrency: change.price.currency });
          break;
        case 'setOnHand':
          statements.setOnHand.run({ ...touched, onHand: change.onHand });
          break;
        case 'move':
          statements.move.run({ ...touched, onHandDelta: change.onHandDelta, reservedDelta: change.reservedDelta });
          break;
      }
      return announce ? changeOf(productId) : undefined;
    },
  };

  function changeOf(productId: string): ProductViewChange | undefined {
    const view = queries.getProductView(productId);
    return view && { view };
  }
}

function prepareWrites(db: Database.Database, { product_views }: ProductViewTableNames) {
  const touch = 'version = @version, position = @position, updated_at = @updatedAt';
  return {
    versionOf: db.prepare<[string], number>(`SELECT version FROM ${product_views} WHERE product_id = ?`).pluck(),
    insert: db.prepare(
      `INSERT INTO ${product_views} (product_id, name, price_minor, price_currency, on_hand, reserved, version, position, updated_at)
       VALUES (@productId, @name, @priceMinor, @priceCurrency, @onHand, 0, @version, @position, @updatedAt)`,
    ),
    setPrice: db.prepare(
      `UPDATE ${product_views} SET price_minor = @priceMinor, price_currency = @priceCurrency, ${touch} WHERE product_id = @productId`,
    ),
    setOnHand: db.prepare(`UPDATE ${product_views} SET on_hand = @onHand, ${touch} WHERE product_id = @productId`),
    move: db.prepare(
      `UPDATE ${product_views} SET on_hand = on_hand + @onHandDelta, reserved = reserved + @reservedDelta, ${touch}
       WHERE product_id = @productId`,
    ),
  };
}
