import { ValidationError } from './errors.js';
import { minorUnitsOf } from './currencies.js';
import { fitsCurrency, formatAmountMinor, isCurrencyCode } from './money.js';
import { MAX_AMOUNT_MINOR } from './order/limits.js';

/**
 * The rules of a price, whoever states it: an order line's unit price and a product's catalog price
 * follow the same ones, so a price the catalog accepts is one an order accepts. Each throws a
 * ValidationError naming `field`.
 */

/** An ISO 4217 code of a currency in use, such as "USD" (funds, metals and retired codes are refused). */
export function requireCurrency(currency: string, field: string): void {
  if (!isCurrencyCode(currency)) {
    throw new ValidationError(`Currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`, field);
  }
}

/** An amount that exists in `currency` (checked with requireCurrency first): no yen fractions. */
export function requireAmountIn(amountMinor: number, currency: string, field: string): void {
  if (fitsCurrency(amountMinor, currency)) return;
  const decimals = minorUnitsOf(currency)!;
  throw new ValidationError(
    `${currency} amounts have ${decimals === 0 ? 'no decimals' : `at most ${decimals} decimal`}, got ${formatAmountMinor(amountMinor)}`,
    field,
  );
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
