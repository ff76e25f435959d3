import { minorUnitsOf } from './currencies.js';

/**
 * Money is an integer amount of a currency's smallest kept unit plus an ISO 4217 currency code.
 * Amounts never pass through floating point: decimal text is parsed digit by digit, and sums and
 * products are checked to stay within JavaScript's safe integers.
 *
 * The unit is 10^-amountScaleOf(currency): hundredths for most currencies (USD cents; JPY too, so
 * that yen amounts kept before currencies had their own decimals mean what they meant), thousandths
 * for the three-decimal ones (KWD fils), ten-thousandths for UYW. Events record the scale they
 * were written in (`scale`), so an amount stays readable whatever the table says later.
 */
export type Money = { amountMinor: number; currency: string };

/** Money as an event records it: with the number of decimals its amount was written in. */
export type RecordedMoney = Money & { scale: number };

/** Money as an event records it now: in the units its currency is kept in. */
export function recordedMoney(money: Money): RecordedMoney {
  return { ...money, scale: amountScaleOf(money.currency) };
}

/** Recorded money in the units its currency is kept in now (see inCurrencyUnits). */
export function keptMoney({ amountMinor, currency, scale }: RecordedMoney): Money {
  return { amountMinor: inCurrencyUnits(amountMinor, scale, currency), currency };
}

/** An amount as it was written, before its currency is known: "1.230" is { units: 1230, scale: 3 }. */
export type DecimalAmount = { units: number; scale: number };

/** The most decimals a listed currency has (UYW has four), and so the most an amount may be written with. */
export const MAX_DECIMALS = 4;

/** Events written before amounts recorded their scale kept hundredths, whatever the currency. */
export const LEGACY_SCALE = 2;

/** The decimals amounts of `currency` are kept in: its own, never fewer than two (see Money). */
export function amountScaleOf(currency: string): number {
  return Math.max(LEGACY_SCALE, minorUnitsOf(currency) ?? LEGACY_SCALE);
}

const DECIMAL_TEXT = new RegExp(`^(-?)(\\d{1,15})(?:\\.(\\d{1,${MAX_DECIMALS}}))?$`);

/**
 * Decimal text with at most MAX_DECIMALS fraction digits ("29.99", "5", "1.234"), exactly; undefined
 * for anything else ("abc", "0.00001", "1e3", "") and for amounts too large to be exact.
 */
export function parseDecimal(text: string): DecimalAmount | undefined {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const units = Number(whole) * 10 ** fraction.length + Number(fraction || '0');
  if (!Number.isSafeInteger(units)) return undefined; // past 2^53 the last digits would be rounded
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

/**
 * The amount in units of 10^-scale: { units: 1230, scale: 3 } is 123 at scale 2. Undefined when it
 * has a non-zero digit past `scale` (1.235 at scale 2) or would not be a safe integer.
 */
export function atScale(amount: DecimalAmount, scale: number): number | undefined {
  if (amount.scale > scale) {
    const divisor = 10 ** (amount.scale - scale);
    return amount.units % divisor === 0 ? amount.units / divisor : undefined;
  }
  const units = amount.units * 10 ** (scale - amount.scale);
  return Number.isSafeInteger(units) ? units : undefined;
}

/**
 * An amount an event recorded at `scale`, in the unit `currency` keeps amounts in now: a KWD total
 * recorded in hundredths (1234, scale 2) is 12340 thousandths. Kept units never get coarser than an
 * event's, so this only multiplies; should a currency ever lose decimals, the amount stays as
 * recorded rather than be rounded.
 */
export function inCurrencyUnits(amountMinor: number, scale: number, currency: string): number {
  const target = amountScaleOf(currency);
  return target > scale ? amountMinor * 10 ** (target - scale) : amountMinor;
}

/**
 * Parses decimal text with at most two fraction digits ("29.99", "5", "0.5") into hundredths.
 * Returns undefined for anything else ("abc", "0.001", "1e3", "") and for amounts too large to be exact.
 */
export function parseAmountMinor(text: string): number | undefined {
  const amount = parseDecimal(text);
  return amount && amount.scale <= LEGACY_SCALE ? atScale(amount, LEGACY_SCALE) : undefined;
}

/**
 * Formats an amount kept at `scale` decimals (by default the currency's, else hundredths) as decimal
 * text: 10997 → "109.97"; with a currency of fewer decimals, in its own: 300000 JPY → "3000". An
 * amount stored before currencies had their own decimals (a yen fraction) keeps its digits, so
 * nothing it says is lost.
 */
export function formatAmountMinor(
  amountMinor: number,
  currency?: string,
  scale = currency === undefined ? LEGACY_SCALE : amountScaleOf(currency),
): string {
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(amountMinor);
  const unit = 10 ** scale;
  const whole = Math.floor(absolute / unit);
  const fraction = String(absolute % unit).padStart(scale, '0');
  // A code no longer listed (stored when it was, as HRK) keeps the digits it was kept in.
  const decimals =
    currency !== undefined && fitsCurrency(absolute, currency, scale) ? Math.min(scale, minorUnitsOf(currency) ?? scale) : scale;
  return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction.slice(0, decimals)}`;
}

/** Every digit an amount is kept with in `currency` ("12.50" JPY), for messages about amounts refused. */
export function formatKeptDigits(amountMinor: number, currency: string): string {
  return formatAmountMinor(amountMinor, undefined, amountScaleOf(currency));
}

/** An ISO 4217 code of a currency in use, such as "USD" (see currencies.ts). */
export function isCurrencyCode(code: string): boolean {
  return minorUnitsOf(code) !== undefined;
}

/**
 * Whether an amount kept at `scale` decimals (the currency's by default) exists in `currency`:
 * 12.34 has no place in JPY, which has no minor units; 1.234 has one in KWD, not in USD.
 */
export function fitsCurrency(amountMinor: number, currency: string, scale = amountScaleOf(currency)): boolean {
  const decimals = minorUnitsOf(currency) ?? scale;
  return decimals >= scale || amountMinor % 10 ** (scale - decimals) === 0;
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
