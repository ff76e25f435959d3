import { ValidationError } from './errors.js';
import { formatAmountMinor, isCurrencyCode } from './money.js';
import { MAX_AMOUNT_MINOR } from './order/limits.js';

/**
 * The rules of a price, whoever states it: an order line's unit price and a product's catalog price
 * follow the same ones, so a price the catalog accepts is one an order accepts. Each throws a
 * ValidationError naming `field`.
 */

/** A three-letter ISO 4217 code such as "USD". */
export function requireCurrency(currency: string, field: string): void {
  if (!isCurrencyCode(currency)) {
    throw new ValidationError(`Currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`, field);
  }
}

/** Whole minor units, positive, at most MAX_AMOUNT_MINOR (1,000,000.00). */
export function requireUnitPrice(amountMinor: number, field: string): void {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new ValidationError(`Unit price must be a whole number of cents, got ${amountMinor}`, field);
  }
  if (amountMinor <= 0) {
    throw new ValidationError(`Unit price must be positive, got ${formatAmountMinor(amountMinor)}`, field);
  }
  if (amountMinor > MAX_AMOUNT_MINOR) {
    throw new ValidationError(
      `Unit price must be at most ${formatAmountMinor(MAX_AMOUNT_MINOR)}, got ${formatAmountMinor(amountMinor)}`,
      field,
    );
  }
}
