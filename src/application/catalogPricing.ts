import { formatKeptDigits, type Money } from '../domain/money.js';
import { DomainError, NotFoundError, ValidationError } from '../domain/errors.js';

/** An order line as sent: the price may be left to the catalog. Prices in the units the order's currency is kept in (see Money). */
export type LineToPrice = { productId: string; name: string; quantity: number; unitPriceMinor?: number | null };
export type PricedLine = LineToPrice & { unitPriceMinor: number };

/**
 * The current catalog prices of some products: a product the catalog does not list is absent, one
 * it lists without a price (added before products had prices) maps to null.
 */
export type CatalogPrices = (productIds: readonly string[]) => Promise<ReadonlyMap<string, Money | null>>;

/**
 * Prices an order's lines. A customer pays the catalog: a line without a price takes the product's
 * current price, a line with another price is refused (FAILED_PRECONDITION naming the current one,
 * as a frontend showing a stale price needs), and a product the catalog does not list (NOT_FOUND) or
 * has not priced, or prices in another currency (FAILED_PRECONDITION), cannot be ordered. Staff and
 * admins (a checkout service that prices elsewhere) may send any price, for any product; a line of
 * theirs without a price takes the catalog's, under the same rules.
 */
export async function priceLines(
  lines: readonly LineToPrice[],
  currency: string,
  pricedBy: 'catalog' | 'caller',
  catalog: CatalogPrices,
): Promise<PricedLine[]> {
  const needCatalog = lines.filter((line) => pricedBy === 'catalog' || line.unitPriceMinor == null);
  const prices =
    needCatalog.length === 0 ? new Map<string, Money | null>() : await catalog([...new Set(needCatalog.map((line) => line.productId))]);
  return lines.map((line, index) => {
    if (pricedBy === 'caller' && line.unitPriceMinor != null) return { ...line, unitPriceMinor: line.unitPriceMinor };
    const price = catalogPrice(prices, line.productId, currency);
    if (line.unitPriceMinor != null && line.unitPriceMinor !== price.amountMinor) {
      // The current price in extensions, so a frontend can show it without another request.
      throw new DomainError(
        'FAILED_PRECONDITION',
        `items[${index}]: product ${line.productId} costs ${formatKeptDigits(price.amountMinor, currency)} ${price.currency} now, ` +
          `not ${formatKeptDigits(line.unitPriceMinor, currency)}; send the current price, or none to pay the catalog's`,
        {
          field: `items[${index}].unitPrice`,
          productId: line.productId,
          unitPrice: formatKeptDigits(price.amountMinor, currency),
          currency: price.currency,
        },
      );
    }
    return { ...line, unitPriceMinor: price.amountMinor };
  });
}

function catalogPrice(prices: ReadonlyMap<string, Money | null>, productId: string, currency: string): Money {
  const price = prices.get(productId);
  if (price === undefined) throw new NotFoundError(`Product ${productId} is not in the catalog`, 'Product', productId);
  if (price === null)
    throw new DomainError('FAILED_PRECONDITION', `Product ${productId} has no price yet, so it cannot be ordered`, { productId });
  if (price.currency !== currency) {
    throw new ValidationError(`Product ${productId} is priced in ${price.currency}; this order is in ${currency}`, 'currency');
  }
  return price;
}
