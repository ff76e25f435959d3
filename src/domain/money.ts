import { minorUnitsOf } from './currencies.js';

/**
 * Money is integer minor units (cents) plus an ISO 4217 currency code. Amounts never pass through
 * floating point: decimal text is parsed digit by digit, and sums and products are checked to stay
 * within JavaScript's safe integers.
 */
export type Money = { amountMinor: number; currency: string };

const DECIMAL_AMOUNT = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;
/**
 * Parses decimal text with at most two fraction digits ("29.99", "5", "0.5") into minor units.
 * Returns undefined for anything else ("abc", "0.001", "1e3", "") and for amounts too large to be exact.
 */
export function parseAmountMinor(text: string): number | undefined {
  const match = DECIMAL_AMOUNT.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(minor)) return undefined; // past 2^53 the cents would be rounded
  return sign === '-' ? -minor : minor;
}

/**
 * Formats minor units (hundredths) as decimal text: 10997 → "109.97"; with a currency of fewer
 * decimals, in its own: 300000 JPY → "3000". An amount stored before currencies had their own decimals
 * (a yen fraction) keeps its two, so nothing it says is lost.
 */
export function formatAmountMinor(amountMinor: number, currency?: string): string {
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(amountMinor);
  const whole = Math.floor(absolute / 100);
  const fraction = String(absolute % 100).padStart(2, '0');
  // A code no longer listed (stored when it was, as HRK) keeps two.
  const decimals = currency !== undefined && fitsCurrency(absolute, currency) ? Math.min(2, minorUnitsOf(currency) ?? 2) : 2;
  return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction.slice(0, decimals)}`;
}

/** An ISO 4217 code of a currency in use, such as "USD" (see currencies.ts). */
export function isCurrencyCode(code: string): boolean {
  return minorUnitsOf(code) !== undefined;
}

/**
 * Whether an amount (in hundredths, as every amount is stored) exists in `currency`: 12.34 has no
 * place in JPY, which has no minor units. Amounts carry at most two decimals, so a currency of three
 * (KWD) takes those with none in its third.
 */
export function fitsCurrency(amountMinor: number, currency: string): boolean {
  const decimals = minorUnitsOf(currency) ?? 2;
  return decimals >= 2 || amountMinor % 10 ** (2 - decimals) === 0;
}

/** unit price × quantity, or undefined when the result would not be a safe integer. */
export function multiplyMinor(amountMinor: number, quantity: number): number | undefined {
  const product = amountMinor * quantity;
  return Number.isSafeInteger(product) ? product : undefined;
}

/** Sum of minor amounts, or undefined when it would not be a safe integer. */
export function sumMinor(amountsMinor: readonly number[]): number | undefined {
  let total = 0;
  for (const amount of amountsMinor) {
    total += amount;
    if (!Number.isSafeInteger(total)) return undefined;
  }
  return total;
}

/**
 * Minor units of an amount an older system stored as a float of major units (99.99 dollars).
 * Fifteen significant digits are what a double holds exactly, so float noise from that system's
 * arithmetic (109.97000000000001) goes and the intended cents stay. Undefined when the amount is
 * not a finite number of whole cents.
 */
export function minorFromLegacyFloat(amount: unknown): number | undefined {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return undefined;
  const decimal = amount
    .toPrecision(15)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
  return parseAmountMinor(decimal);
}
