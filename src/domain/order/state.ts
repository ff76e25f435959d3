import { inCurrencyUnits } from '../money.js';
import type { OrderEvent } from './events.js';
import { placedInKeptUnits } from './keptUnits.js';

type Placed = { orderId: string; customerId: string; currency: string; totalMinor: number };

/** What the decider needs to know about an order; the read side keeps the rest. Amounts in the currency's kept units (see Money). */
export type Order =
  | { status: 'Empty' }
  | ({ status: 'Pending' } & Placed)
  | ({ status: 'Paid'; paidMinor: number } & Placed)
  | ({ status: 'Shipped'; paidMinor: number } & Placed)
  | ({ status: 'Cancelled' } & Placed);

export type OrderStatus = Order['status'];

/** The version of Order's shape in snapshots: bump it when Order or `evolve` changes. 2: amounts in kept units. */
export const ORDER_STATE_SCHEMA_VERSION = 2;

export const initialState = (): Order => ({ status: 'Empty' });

/** Folds one event into the state. Never throws: an event that was appended is a fact. */
export function evolve(state: Order, event: OrderEvent): Order {
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, customerId, currency, totalMinor } = placedInKeptUnits(event.data);
      return { status: 'Pending', orderId, customerId, currency, totalMinor };
    }
    // Each event moves only the states decide emits it from; anything else leaves the state as it is.
    case 'PaymentReceived':
      return state.status === 'Pending'
        ? { ...state, status: 'Paid', paidMinor: inCurrencyUnits(event.data.amountMinor, event.data.scale, state.currency) }
        : state;
    case 'OrderShipped':
      return state.status === 'Paid' ? { ...state, status: 'Shipped' } : state;
    case 'OrderCancelled':
      return state.status === 'Pending' || state.status === 'Paid' ? { ...state, status: 'Cancelled' } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
