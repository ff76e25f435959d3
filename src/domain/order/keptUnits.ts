import { amountScaleOf, inCurrencyUnits } from '../money.js';
import type { OrderPlaced } from './events.js';

/**
 * An OrderPlaced with its amounts in the units its currency is kept in now (see Money): a KWD order
 * recorded in hundredths reads in thousandths. The order's later amounts (payment, refund) are
 * converted with inCurrencyUnits and the order's currency.
 */
export function placedInKeptUnits(data: OrderPlaced['data']): OrderPlaced['data'] {
  const scale = amountScaleOf(data.currency);
  if (data.scale >= scale) return data;
  const kept = (amountMinor: number) => inCurrencyUnits(amountMinor, data.scale, data.currency);
  return {
    ...data,
    items: data.items.map((item) => ({ ...item, unitPriceMinor: kept(item.unitPriceMinor) })),
    totalMinor: kept(data.totalMinor),
    scale,
  };
}
