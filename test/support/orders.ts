import { AddProductDocument, type PlaceOrderInput } from '../generated/graphql.js';
import { request } from './graphqlClient.js';

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

/**
 * Adds the reference order's products to the catalog at its prices, as an admin, so customers may
 * order them (customers pay catalog prices); with stock no test runs out of. A product that is
 * there already is left as it is. `headers` as for `request` (a server checking tokens with another
 * key needs an admin token of its own).
 */
export async function addReferenceProducts(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (const { productId, name, unitPrice } of referenceOrder().items) {
    const answer = await request(
      url,
      AddProductDocument,
      { input: { productId, name, quantity: 1_000_000_000, unitPrice, currency: 'USD' } },
      headers,
    );
    const code = answer.errors?.[0]?.extensions?.code;
    if (code !== undefined && code !== 'CONFLICT') throw new Error(`Adding ${productId} failed: ${JSON.stringify(answer.errors)}`);
  }
}
