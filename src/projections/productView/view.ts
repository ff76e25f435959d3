/** One product's stock as the read side serves it. */
export type ProductView = {
  id: string;
  name: string;
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
