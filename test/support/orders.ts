import type { PlaceOrderInput } from '../generated/graphql.js';

/** The reference scenario's order: 2 × Widget at 29.99 and 1 × Gadget at 49.99, total 109.97. */
export function referenceOrder(overrides: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return {
    customerId: 'cust-1',
    items: [
      { productId: 'p1', name: 'Widget', quantity: 2, unitPrice: '29.99' },
      { productId: 'p2', name: 'Gadget', quantity: 1, unitPrice: '49.99' },
    ],
    ...overrides,
  };
}
