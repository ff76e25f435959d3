import { minorFromLegacyFloat, sumMinor, multiplyMinor } from '../../money.js';
import type { OrderLine } from '../events.js';
import type { OrderPlacedV2 } from './hundredths.js';
import { isRecord, type LegacyOrderEvent, orderIdOfStream, requireString } from './legacyEvent.js';

/** The older system sold in one currency and did not record it. */
const LEGACY_CURRENCY = 'USD';

/**
 * OrderPlaced v1 → v2. Two shapes were stored as v1:
 * - the older system's `{ customerId, items: [{ productId, name, qty, price }], total }`, prices
 *   as float dollars and no order id, currency or time;
 * - orderstream's first releases, already in today's shape (recognised by `totalMinor`).
 * The total is recomputed from the lines in exact cents: the float total was a float sum.
 */
export function upcastOrderPlacedV1(event: LegacyOrderEvent): OrderPlacedV2 {
  const data = event.data;
  if (!isRecord(data)) throw new Error('data must be an object');
  if (typeof data.totalMinor === 'number') return data as OrderPlacedV2;

  if (!Array.isArray(data.items) || data.items.length === 0) throw new Error('items must be a non-empty array');
  const items = data.items.map(legacyLine);
  const totalMinor = sumMinor(items.map((line) => multiplyMinor(line.unitPriceMinor, line.quantity) ?? Number.NaN));
  if (totalMinor === undefined || Number.isNaN(totalMinor)) throw new Error('the total is too large to be exact');
  return {
    orderId: orderIdOfStream(event.streamId),
    customerId: requireString(data, 'customerId'),
    items,
    currency: LEGACY_CURRENCY,
    totalMinor,
    placedAt: event.metadata.occurredAt,
  };
}

function legacyLine(item: unknown, index: number): OrderLine {
  if (!isRecord(item)) throw new Error(`items[${index}] must be an object`);
  const { qty, price } = item;
  if (typeof qty !== 'number' || !Number.isSafeInteger(qty) || qty < 1) {
    throw new Error(`items[${index}].qty must be a positive whole number`);
  }
  const unitPriceMinor = minorFromLegacyFloat(price);
  if (unitPriceMinor === undefined || unitPriceMinor < 0) {
    throw new Error(`items[${index}].price ${String(price)} is not an amount of whole cents`);
  }
  return {
    productId: requireString(item, 'productId'),
    name: requireString(item, 'name'),
    quantity: qty,
    unitPriceMinor,
  };
}
