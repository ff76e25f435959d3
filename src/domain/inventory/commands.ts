import type { TypedRecord } from '../decider.js';

/** `now` is the command's time (ISO 8601), chosen by the caller: the domain reads no clock. */
export type AddProduct = TypedRecord<'AddProduct', { productId: string; name: string; quantity: number; now: string }>;
export type Restock = TypedRecord<'Restock', { productId: string; quantity: number; now: string }>;
export type ReserveStock = TypedRecord<'ReserveStock', { productId: string; orderId: string; quantity: number; now: string }>;
export type ReleaseReservation = TypedRecord<'ReleaseReservation', { productId: string; orderId: string; now: string }>;
export type CommitReservation = TypedRecord<'CommitReservation', { productId: string; orderId: string; now: string }>;

export type InventoryCommand = AddProduct | Restock | ReserveStock | ReleaseReservation | CommitReservation;
