import { type InventoryEvent, PRODUCT_STREAM_TYPE } from '../../domain/inventory/index.js';
import { keptMoney, type Money } from '../../domain/money.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { foldInMemory } from '../fold.js';
import type { ReadModel } from '../readModel.js';
import { table } from '../tables.js';
import type { ProductView, ProductViewChange } from './view.js';

export type ProductViewRow = {
  product_id: string;
  name: string;
  price_minor: number | null;
  price_currency: string | null;
  on_hand: number;
  reserved: number;
  available: number;
  version: number;
  position: number;
  updated_at: string;
};

type ProductDocument = { product_views: [ProductViewRow] };

/**
 * Stock on hand, reserved and available per product, and its catalog price, from the Product
 * streams. Each applied event announces the product's view as of that event. Version 2: the price.
 * 3: prices in their currency's kept units (thousandths for KWD).
 */
export const productViewModel: ReadModel<ProductDocument, ProductViewChange> = {
  name: 'productView',
  version: 3,
  tables: {
    /**
     * One row per product; `available` is derived, so it can never disagree with on hand and reserved.
     * The catalog price is both columns or neither (a product without a price).
     */
    product_views: table(
      `product_id text, name text, price_minor integer?, price_currency text?, on_hand integer,
         reserved integer, available integer, version integer, position integer, updated_at text`,
      {
        primaryKey: ['product_id'],
        checks: ['(price_minor IS NULL) = (price_currency IS NULL)'],
        generated: { available: 'on_hand - reserved' },
      },
    ),
  },
  documents: {
    tables: ['product_views'],
    key: 'product_id',
    keyOf: (event) => (event.streamType === PRODUCT_STREAM_TYPE ? (event.data as { productId: string }).productId : undefined),
    evolve(doc, stored) {
      const event = { type: stored.type, data: stored.data } as InventoryEvent;
      const touched = { version: stored.version, position: stored.position, updated_at: stored.metadata.occurredAt };
      if (event.type === 'ProductAdded') {
        const { productId, name, onHand, price } = event.data;
        return {
          product_views: [
            stock({
              product_id: productId,
              name,
              ...priceColumns(price ? keptMoney(price) : null),
              on_hand: onHand,
              reserved: 0,
              ...touched,
            }),
          ],
        };
      }
      // Stock events of a product never added change nothing, as in the domain's evolve.
      if (!doc) return undefined;
      const [row] = doc.product_views;
      // The decider emits only consistent events (a release or commit of what is held), so the
      // moves keep reserved equal to the sum of the orders' reservations.
      switch (event.type) {
        case 'PriceChanged':
          return { product_views: [{ ...row, ...priceColumns(keptMoney(event.data.price)), ...touched }] };
        case 'StockRestocked':
          return { product_views: [stock({ ...row, on_hand: event.data.onHand, ...touched })] };
        case 'StockReserved':
          return { product_views: [stock({ ...row, reserved: row.reserved + event.data.quantity, ...touched })] };
        case 'StockReservationRejected':
          // Nothing moves; the row still records that the product's stream went on.
          return { product_views: [{ ...row, ...touched }] };
        case 'ReservationReleased':
          return { product_views: [stock({ ...row, reserved: row.reserved - event.data.quantity, ...touched })] };
        case 'ReservationCommitted': {
          const { quantity } = event.data;
          return { product_views: [stock({ ...row, on_hand: row.on_hand - quantity, reserved: row.reserved - quantity, ...touched })] };
        }
        default: {
          const _exhaustive: never = event;
          return doc;
        }
      }
    },
  },
  announce: (doc) => ({ view: toProductView(doc.product_views[0]) }),
};

/** The row with `available` as the database derives it. */
function stock(row: Omit<ProductViewRow, 'available'>): ProductViewRow {
  return { ...row, available: row.on_hand - row.reserved };
}

function priceColumns(price: Money | null): Pick<ProductViewRow, 'price_minor' | 'price_currency'> {
  return { price_minor: price?.amountMinor ?? null, price_currency: price?.currency ?? null };
}

/** A row as the read side serves it. */
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

export function priceOf(row: ProductViewRow): Money | null {
  return row.price_minor == null || row.price_currency == null ? null : { amountMinor: row.price_minor, currency: row.price_currency };
}

/** The product as the read side would have shown it after exactly `events` (its stream, in version order). */
export function productViewAfter(productId: string, events: readonly StoredEvent[]): ProductView | undefined {
  const doc = foldInMemory(productViewModel, events, { announce: false }).document(productId);
  return doc && toProductView(doc.product_views[0]);
}
