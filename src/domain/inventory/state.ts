import { keptMoney, type Money } from '../money.js';
import type { InventoryEvent } from './events.js';
import { heldFor, noReservations, type Reservations, withHeld, withoutHeld } from './reservations.js';

/**
 * A product's stock and catalog price, bounded by its open work: the reservations held now, never
 * the orders it served before. Available = onHand − reservedTotal.
 *
 * What became of a reservation that ended is not kept: a repeated or late command for it is
 * recognised by its idempotency key (the order process derives one from its trigger, and the log
 * answers a known key with the original result before any decision), so the state need not grow
 * with every order the product ever saw.
 */
export type Product =
  | { status: 'Empty' }
  | {
      status: 'Active';
      productId: string;
      name: string;
      /**
       * The catalog price; null for a product added without one (every product from before prices
       * existed): not sellable to customers until priced. Null rather than absent, so a snapshot's
       * JSON keeps the key. In the units its currency is kept in (see Money).
       */
      price: Money | null;
      onHand: number;
      /** orderId → quantity held for it, for the reservations open now. */
      reserved: Reservations;
      /** The sum of `reserved`, kept so that a reservation costs no walk over the open ones. */
      reservedTotal: number;
    };

/**
 * The version of Product's shape in snapshots: bump it when Product or `evolve` changes, so older
 * snapshots are discarded (the stream is read again), never misread. 2: `price`. 3: no `settled`
 * (ended reservations), `reservedTotal`. 4: `reserved` in buckets (reservations.ts). 5: `price` in
 * its currency's kept units (thousandths for KWD).
 */
export const PRODUCT_STATE_SCHEMA_VERSION = 5;

export const initialState = (): Product => ({ status: 'Empty' });

export function availableOf(product: Extract<Product, { status: 'Active' }>): number {
  return product.onHand - product.reservedTotal;
}

/** Folds one event into the state. Never throws: an event that was appended is a fact. */
export function evolve(state: Product, event: InventoryEvent): Product {
  if (event.type === 'ProductAdded') {
    const { productId, name, onHand, price } = event.data;
    return {
      status: 'Active',
      productId,
      name,
      price: price ? keptMoney(price) : null,
      onHand,
      reserved: noReservations(),
      reservedTotal: 0,
    };
  }
  if (state.status !== 'Active') return state;
  switch (event.type) {
    case 'PriceChanged':
      return { ...state, price: keptMoney(event.data.price) };
    case 'StockRestocked':
      return { ...state, onHand: event.data.onHand };
    case 'StockReserved': {
      const { orderId, quantity } = event.data;
      const held = heldFor(state.reserved, orderId) ?? 0;
      return { ...state, reserved: withHeld(state.reserved, orderId, quantity), reservedTotal: state.reservedTotal - held + quantity };
    }
    case 'StockReservationRejected':
      return state;
    case 'ReservationReleased':
      return end(state, event.data.orderId);
    case 'ReservationCommitted':
      return { ...end(state, event.data.orderId), onHand: state.onHand - event.data.quantity };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The order's reservation is over: it no longer holds stock, and nothing of it is kept. */
function end(state: Extract<Product, { status: 'Active' }>, orderId: string) {
  const held = heldFor(state.reserved, orderId) ?? 0;
  return { ...state, reserved: withoutHeld(state.reserved, orderId), reservedTotal: state.reservedTotal - held };
}
