import type { TypedRecord } from '../decider.js';
import type { RecordedMoney } from '../money.js';

/**
 * v2: `price` is the catalog price, null for a product added without one. v1 (before products had
 * prices) had no `price` and reads as v2 with null (see legacy/productAddedV1.ts). v3: the price
 * records its `scale` (see Money); v2 prices read as scale 2.
 */
export type ProductAdded = TypedRecord<
  'ProductAdded',
  { productId: string; name: string; onHand: number; price: RecordedMoney | null; addedAt: string }
>;

/** The catalog price changed; `previousPrice` is null when the product had none. v2: prices record their `scale`, as in ProductAdded v3. */
export type PriceChanged = TypedRecord<
  'PriceChanged',
  { productId: string; previousPrice: RecordedMoney | null; price: RecordedMoney; changedAt: string }
>;

export type StockRestocked = TypedRecord<'StockRestocked', { productId: string; quantity: number; onHand: number; restockedAt: string }>;

/** `quantity` is now held for the order: on hand, but not available to others. */
export type StockReserved = TypedRecord<'StockReserved', { productId: string; orderId: string; quantity: number; reservedAt: string }>;

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
  | PriceChanged
  | StockRestocked
  | StockReserved
  | StockReservationRejected
  | ReservationReleased
  | ReservationCommitted;

/** The version of each event's data shape this code writes. ProductAdded v1 had no price; prices gained `scale` in ProductAdded v3 and PriceChanged v2. */
export const inventoryEventSchemaVersions = {
  ProductAdded: 3,
  PriceChanged: 2,
  StockRestocked: 1,
  StockReserved: 1,
  StockReservationRejected: 1,
  ReservationReleased: 1,
  ReservationCommitted: 1,
} as const satisfies Record<InventoryEvent['type'], number>;

export const inventoryEventTypes = Object.keys(inventoryEventSchemaVersions) as InventoryEvent['type'][];
