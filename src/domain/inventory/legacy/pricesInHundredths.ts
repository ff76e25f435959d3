import { LEGACY_SCALE, type Money, type RecordedMoney } from '../../money.js';
import type { PriceChanged, ProductAdded } from '../events.js';

/**
 * Prices before they recorded their scale: ProductAdded v2 and PriceChanged v1 kept hundredths in
 * every currency, so each reads as its next version with `scale: 2` on each price, amounts untouched.
 */
export type ProductAddedV2 = Omit<ProductAdded['data'], 'price'> & { price: Money | null };
type PriceChangedV1 = Omit<PriceChanged['data'], 'price' | 'previousPrice'> & { price: Money; previousPrice: Money | null };

export function upcastProductAddedV2(event: { data: unknown }): ProductAdded['data'] {
  const data = requireObject<ProductAddedV2>(event.data);
  return { ...data, price: inHundredths(data.price) };
}

export function upcastPriceChangedV1(event: { data: unknown }): PriceChanged['data'] {
  const data = requireObject<PriceChangedV1>(event.data);
  const price = inHundredths(data.price);
  if (price === null) throw new Error('price must be an object');
  return { ...data, previousPrice: inHundredths(data.previousPrice), price };
}

function inHundredths(price: Money | null | undefined): RecordedMoney | null {
  if (price === null || price === undefined) return null;
  if (typeof price !== 'object') throw new Error('price must be an object or null');
  return { ...price, scale: LEGACY_SCALE };
}

function requireObject<Data>(data: unknown): Data {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('data must be an object');
  return data as Data;
}
