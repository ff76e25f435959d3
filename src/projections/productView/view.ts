import type { Money } from '../../domain/money.js';

/** One product's stock and catalog price as the read side serves it. */
export type ProductView = {
  id: string;
  name: string;
  /** The catalog price; null for a product that has none yet (not sellable to customers). */
  price: Money | null;
  onHand: number;
  /** Held for orders: on hand, but not available to others. */
  reserved: number;
  /** onHand − reserved; never negative. */
  available: number;
  /** The stream version of the last event applied. */
  version: number;
  /** The global position of the last event applied. */
  position: number;
  updatedAt: string;
};

/** Announced after each applied event, carrying the product's view as of that event. */
export type ProductViewChange = { view: ProductView };
