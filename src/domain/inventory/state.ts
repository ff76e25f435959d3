import type { Money } from '../money.js';
import type { InventoryEvent } from './events.js';

/** What became of an order's reservation of this product. */
export type ReservationOutcome = 'rejected' | 'released' | 'committed';

/** A product's stock and catalog price. Available = onHand − the sum of `reserved`. */
export type Product =
  | { status: 'Empty' }
  | {
      status: 'Active';
      productId: string;
      name: string;
      /**
       * The catalog price; null for a product added without one (every product from before prices
       * existed): not sellable to customers until priced. Null rather than absent, so a snapshot's
       * JSON keeps the key.
       */
      price: Money | null;
      onHand: number;
      /** orderId → quantity held for it. */
      reserved: Record<string, number>;
      /** Orders whose reservation ended, so a late or repeated command changes nothing. */
      settled: Record<string, ReservationOutcome>;
    };

/** The version of Product's shape in snapshots: bump it when Product or `evolve` changes. 2: `price`. */
export const PRODUCT_STATE_SCHEMA_VERSION = 2;

export const initialState = (): Product => ({ status: 'Empty' });

export function availableOf(product: Extract<Product, { status: 'Active' }>): number {
  return product.onHand - Object.values(product.reserved).reduce((sum, quantity) => sum + quantity, 0);
}

/** Folds one event into the state. Never throws: an event that was appended is a fact. */
export function evolve(state: Product, event: InventoryEvent): Product {
  if (event.type === 'ProductAdded') {
    const { productId, name, onHand, price } = event.data;
    return { status: 'Active', productId, name, price: price ?? null, onHand, reserved: {}, settled: {} };
  }
  if (state.status !== 'Active') return state;
  switch (event.type) {
    case 'PriceChanged':
      return { ...state, price: event.data.price };
    case 'StockRestocked':
      return { ...state, onHand: event.data.onHand };
    case 'StockReserved':
      return { ...state, reserved: { ...state.reserved, [event.data.orderId]: event.data.quantity } };
    case 'StockReservationRejected':
      return { ...state, settled: { ...state.settled, [event.data.orderId]: 'rejected' } };
    case 'ReservationReleased':
      return settle(state, event.data.orderId, 'released');
    case 'ReservationCommitted':
      return { ...settle(state, event.data.orderId, 'committed'), onHand: state.onHand - event.data.quantity };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

function settle(state: Extract<Product, { status: 'Active' }>, orderId: string, outcome: ReservationOutcome) {
  const { [orderId]: _released, ...reserved } = state.reserved;
  return { ...state, reserved, settled: { ...state.settled, [orderId]: outcome } };
}
