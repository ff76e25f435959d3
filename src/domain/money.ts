/**
 * Money is integer minor units (cents) plus an ISO 4217 currency code. Amounts never pass through
 * floating point: decimal text is parsed digit by digit, and sums and products are checked to stay
 * within JavaScript's safe integers.
 */
export type Money = { amountMinor: number; currency: string };

const DECIMAL_AMOUNT = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;
/**
 * The ISO 4217 codes of the currencies in use, from the runtime's ICU data (CLDR, updated with Node):
 * three capital letters are not enough ("ABC"), and test or retired codes (XXX) are not among them.
 */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

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

/** Formats minor units as decimal text with two fraction digits: 10997 → "109.97". */
export function formatAmountMinor(amountMinor: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(amountMinor);
  const whole = Math.floor(absolute / 100);
  const fraction = String(absolute % 100).padStart(2, '0');
  return `${sign}${whole}.${fraction}`;
}

export function isCurrencyCode(code: string): boolean {
  return KNOWN_CURRENCIES.has(code);
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
