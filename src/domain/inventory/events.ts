import type { TypedRecord } from '../decider.js';

export type ProductAdded = TypedRecord<'ProductAdded', { productId: string; name: string; onHand: number; addedAt: string }>;

export type StockRestocked = TypedRecord<
  'StockRestocked',
  { productId: string; quantity: number; onHand: number; restockedAt: string }
>;

/** `quantity` is now held for the order: on hand, but not available to others. */
export type StockReserved = TypedRecord<
  'StockReserved',
  { productId: string; orderId: string; quantity: number; reservedAt: string }
>;

/** A reservation that would have taken more than was available: an outcome, recorded. */
export type StockReservationRejected = TypedRecord<
  'StockReservationRejected',
  { productId: string; orderId: string; requested: number; available: number; rejectedAt: string }
>;

export type ReservationReleased = TypedRecord<
  'ReservationReleased',
  { productId: string; orderId: string; quantity: number; releasedAt: string }
>;

/** The order shipped: its reserved quantity leaves the shelf (on hand and reserved both drop). */
export type ReservationCommitted = TypedRecord<
  'ReservationCommitted',
  { productId: string; orderId: string; quantity: number; committedAt: string }
>;

export type InventoryEvent =
  | ProductAdded
  | StockRestocked
  | StockReserved
  | StockReservationRejected
  | ReservationReleased
  | ReservationCommitted;

/** The version of each event's data shape this code writes. */
export const inventoryEventSchemaVersions = {
  ProductAdded: 1,
  StockRestocked: 1,
  StockReserved: 1,
  StockReservationRejected: 1,
  ReservationReleased: 1,
  ReservationCommitted: 1,
} as const satisfies Record<InventoryEvent['type'], number>;

export const inventoryEventTypes = Object.keys(inventoryEventSchemaVersions) as InventoryEvent['type'][];
