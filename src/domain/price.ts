import { minorUnitsOf } from './currencies.js';
import { ValidationError } from './errors.js';
import { amountScaleOf, atScale, type DecimalAmount, fitsCurrency, formatAmountMinor, formatKeptDigits, isCurrencyCode } from './money.js';
import { maxAmountMinor } from './order/limits.js';

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

/**
 * A written amount in the units `currency` is kept in (see Money): "1.234" is 1234 in KWD and refused
 * in USD; "1.230" is 123 in USD. An unknown code is left to requireCurrency, unless the amount's
 * decimals cannot even be kept: then the code is the mistake to name.
 */
export function amountIn(amount: DecimalAmount, currency: string, field: string): number {
  const kept = atScale(amount, amountScaleOf(currency));
  if (kept === undefined) {
    requireCurrency(currency, 'currency');
    throw tooManyDecimals(currency, formatAmountMinor(amount.units, undefined, amount.scale), field);
  }
  requireAmountIn(kept, currency, field);
  return kept;
}

/** An amount that exists in `currency` (checked with requireCurrency first): no yen fractions. */
export function requireAmountIn(amountMinor: number, currency: string, field: string): void {
  if (fitsCurrency(amountMinor, currency)) return;
  throw tooManyDecimals(currency, formatKeptDigits(amountMinor, currency), field);
}

function tooManyDecimals(currency: string, shown: string, field: string): ValidationError {
  const decimals = minorUnitsOf(currency)!;
  const allowed = decimals === 0 ? 'no decimals' : `at most ${decimals} decimal${decimals === 1 ? '' : 's'}`;
  return new ValidationError(`${currency} amounts have ${allowed}, got ${shown}`, field);
}

/** Whole units of `currency`, positive, at most 1,000,000 (maxAmountMinor). */
export function requireUnitPrice(amountMinor: number, currency: string, field: string): void {
  const max = maxAmountMinor(currency);
  const shown = (amount: number) => formatKeptDigits(amount, currency);
  if (!Number.isSafeInteger(amountMinor)) {
    throw new ValidationError(`Unit price must be a whole number of cents, got ${amountMinor}`, field);
  }
  if (amountMinor <= 0) {
    throw new ValidationError(`Unit price must be positive, got ${shown(amountMinor)}`, field);
  }
  if (amountMinor > max) {
    throw new ValidationError(`Unit price must be at most ${shown(max)}, got ${shown(amountMinor)}`, field);
  }
}
