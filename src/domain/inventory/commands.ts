import type { TypedRecord } from '../decider.js';
import type { Money } from '../money.js';

/**
 * `now` is the command's time (ISO 8601), chosen by the caller: the domain reads no clock. A product
 * added without a `price` is in stock but not sellable to customers until priced (ChangePrice).
 */
export type AddProduct = TypedRecord<
  'AddProduct',
  { productId: string; name: string; quantity: number; price?: Money | null; now: string }
>;
/** Sets the product's catalog price; the price it has already changes nothing. */
export type ChangePrice = TypedRecord<'ChangePrice', { productId: string; price: Money; now: string }>;
export type Restock = TypedRecord<'Restock', { productId: string; quantity: number; now: string }>;
export type ReserveStock = TypedRecord<'ReserveStock', { productId: string; orderId: string; quantity: number; now: string }>;
export type ReleaseReservation = TypedRecord<'ReleaseReservation', { productId: string; orderId: string; now: string }>;
export type CommitReservation = TypedRecord<'CommitReservation', { productId: string; orderId: string; now: string }>;

export type InventoryCommand = AddProduct | ChangePrice | Restock | ReserveStock | ReleaseReservation | CommitReservation;
