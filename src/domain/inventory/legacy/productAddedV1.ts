import type { ProductAddedV2 } from './pricesInHundredths.js';

/**
 * ProductAdded v1 → v2. Products had no price before v2: such a product reads as added without one
 * (`price: null`), so it is in stock but not sellable to customers until staff price it.
 */
export function upcastProductAddedV1(event: { data: unknown }): ProductAddedV2 {
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('data must be an object');
  return { ...(data as Omit<ProductAddedV2, 'price'>), price: null };
}
