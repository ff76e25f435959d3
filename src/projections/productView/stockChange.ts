import type { InventoryEvent } from '../../domain/inventory/index.js';
import type { Money } from '../../domain/money.js';

/** What one Product event does to the product's row, whichever backend keeps it. */
export type StockChange =
  | { kind: 'add'; name: string; onHand: number; price: Money | null }
  | { kind: 'setPrice'; price: Money }
  | { kind: 'setOnHand'; onHand: number }
  | { kind: 'move'; onHandDelta: number; reservedDelta: number };

/**
 * The decider emits only consistent events (a release or commit of what is held), so deltas keep
 * reserved equal to the sum of the orders' reservations. Undefined for an event type this code does
 * not know, which changes nothing.
 */
export function stockChangeOf(event: InventoryEvent): StockChange | undefined {
  switch (event.type) {
    case 'ProductAdded':
      return { kind: 'add', name: event.data.name, onHand: event.data.onHand, price: event.data.price ?? null };
    case 'PriceChanged':
      return { kind: 'setPrice', price: event.data.price };
    case 'StockRestocked':
      return { kind: 'setOnHand', onHand: event.data.onHand };
    case 'StockReserved':
      return { kind: 'move', onHandDelta: 0, reservedDelta: event.data.quantity };
    case 'StockReservationRejected':
      // Nothing moves; the row still records that the product's stream went on.
      return { kind: 'move', onHandDelta: 0, reservedDelta: 0 };
    case 'ReservationReleased':
      return { kind: 'move', onHandDelta: 0, reservedDelta: -event.data.quantity };
    case 'ReservationCommitted':
      return { kind: 'move', onHandDelta: -event.data.quantity, reservedDelta: -event.data.quantity };
    default: {
      const _exhaustive: never = event;
      return undefined;
    }
  }
}
