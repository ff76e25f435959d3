import type pg from 'pg';
import { type InventoryEvent, PRODUCT_STREAM_TYPE } from '../../domain/inventory/index.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import type { PostgresProjectionDefinition, PostgresProjectionWriter } from '../postgres/postgresProjection.js';
import { PostgresProductViewQueries } from './postgresQueries.js';
import { postgresTables } from '../postgres/postgresTables.js';
import { stockChangeOf } from './stockChange.js';
import { type ProductViewTableNames, productViewTables } from './table.js';
import type { ProductViewChange } from './view.js';

/**
 * The PostgreSQL twin of productViewProjection: the same rows from the same events. When announcing,
 * each applied event yields the product's view as of that event, read inside the engine's transaction.
 */
export function postgresProductViewProjection(): PostgresProjectionDefinition<ProductViewChange> {
  return {
    name: 'productView',
    version: 2,
    tables: postgresTables(productViewTables),
    create: (tables, { announce }) => postgresProductViewWriter(tables as ProductViewTableNames, announce),
  };
}

function postgresProductViewWriter(tables: ProductViewTableNames, announce: boolean): PostgresProjectionWriter<ProductViewChange> {
  const sql = writeStatements(tables);
  return {
    async apply(client: pg.ClientBase, stored: StoredEvent): Promise<ProductViewChange | undefined> {
      if (stored.streamType !== PRODUCT_STREAM_TYPE) return undefined;
      const event = { type: stored.type, data: stored.data } as InventoryEvent;
      const productId = event.data.productId;
      const { rows } = await client.query<{ version: number }>(sql.versionOf, [productId]);
      const currentVersion = rows[0]?.version;
      // Idempotent, and announced again while the row shows exactly this event, as orderView does.
      if (currentVersion !== undefined && stored.version <= currentVersion) {
        return announce && stored.version === currentVersion ? changeOf(client, productId) : undefined;
      }
      // $1–$4 of every write: which product, and the event that touched it last.
      const touched = [productId, stored.version, stored.position, stored.metadata.occurredAt];

      // Stock events of a product never added match no row and change nothing, as in the domain's evolve.
      const change = stockChangeOf(event);
      if (!change) return undefined;
      switch (change.kind) {
        case 'add':
          await client.query(sql.insert, [
            ...touched,
            change.name,
            change.onHand,
            change.price?.amountMinor ?? null,
            change.price?.currency ?? null,
          ]);
          break;
        case 'setPrice':
          await client.query(sql.setPrice, [...touched, change.price.amountMinor, change.price.currency]);
          break;
        case 'setOnHand':
          await client.query(sql.setOnHand, [...touched, change.onHand]);
          break;
        case 'move':
          await client.query(sql.move, [...touched, change.onHandDelta, change.reservedDelta]);
          break;
      }
      return announce ? changeOf(client, productId) : undefined;
    },
  };

  async function changeOf(client: pg.ClientBase, productId: string): Promise<ProductViewChange | undefined> {
    const view = await new PostgresProductViewQueries(client, tables).getProductView(productId);
    return view && { view };
  }
}

/** $1 product id, $2 version, $3 position, $4 updated at; then each write's own values. */
function writeStatements({ product_views }: ProductViewTableNames) {
  const touch = 'version = $2, position = $3, updated_at = $4';
  return {
    versionOf: `SELECT version FROM ${product_views} WHERE product_id = $1`,
    insert: `
      INSERT INTO ${product_views} (product_id, name, on_hand, price_minor, price_currency, reserved, version, position, updated_at)
      VALUES ($1, $5, $6, $7, $8, 0, $2, $3, $4)`,
    setPrice: `UPDATE ${product_views} SET price_minor = $5, price_currency = $6, ${touch} WHERE product_id = $1`,
    setOnHand: `UPDATE ${product_views} SET on_hand = $5, ${touch} WHERE product_id = $1`,
    move: `UPDATE ${product_views} SET on_hand = on_hand + $5, reserved = reserved + $6, ${touch} WHERE product_id = $1`,
  };
}
