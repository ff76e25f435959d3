import { describe, expect, it } from 'vitest';
import { ISO_4217_PUBLISHED, minorUnitsOf } from '../../src/domain/currencies.js';
import { ValidationError } from '../../src/domain/errors.js';
import { amountScaleOf, fitsCurrency, formatAmountMinor, inCurrencyUnits, isCurrencyCode, parseDecimal } from '../../src/domain/money.js';
import { maxAmountMinor } from '../../src/domain/order/limits.js';
import { amountIn } from '../../src/domain/price.js';

describe('Currencies by ISO 4217', () => {
  it("should give each currency its minor units from the standard's list", () => {
    expect(ISO_4217_PUBLISHED).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect([
      minorUnitsOf('USD'),
      minorUnitsOf('EUR'),
      minorUnitsOf('JPY'),
      minorUnitsOf('KRW'),
      minorUnitsOf('KWD'),
      minorUnitsOf('BHD'),
    ]).toEqual([2, 2, 0, 0, 3, 3]);
  });

  it('should refuse codes that are no currency in use: made up, lower case, funds, metals, retired', () => {
    for (const code of ['ABC', 'usd', 'US', 'XXX', 'XAU', 'XDR', 'USN', 'CLF', 'HRK', 'DEM'])
      expect(isCurrencyCode(code), code).toBe(false);
    for (const code of ['USD', 'JPY', 'KWD', 'CHF', 'XOF']) expect(isCurrencyCode(code), code).toBe(true);
  });

  it("should take an amount only where the currency has the decimals for it, and write it with the currency's decimals", () => {
    expect(fitsCurrency(300000, 'JPY')).toBe(true);
    expect(fitsCurrency(1234, 'JPY')).toBe(false);
    expect(fitsCurrency(1234, 'USD')).toBe(true);
    expect(fitsCurrency(1234, 'KWD')).toBe(true);
    expect(fitsCurrency(1235, 'USD', 3)).toBe(false);
    expect(formatAmountMinor(300000, 'JPY')).toBe('3000');
    expect(formatAmountMinor(-300000, 'JPY')).toBe('-3000');
    expect(formatAmountMinor(10997, 'USD')).toBe('109.97');
    // KWD is kept in thousandths (fils), UYW in ten-thousandths.
    expect(formatAmountMinor(12345, 'KWD')).toBe('12.345');
    expect(formatAmountMinor(12340, 'KWD')).toBe('12.340');
    expect(formatAmountMinor(12345, 'UYW')).toBe('1.2345');
    // An amount recorded in hundredths, shown as recorded.
    expect(formatAmountMinor(1234, 'KWD', 2)).toBe('12.34');
    // Stored before currencies had their own decimals: a yen fraction is shown, not dropped.
    expect(formatAmountMinor(1234, 'JPY')).toBe('12.34');
    // A code ISO no longer lists (stored while the runtime's table had it): two decimals, as ever.
    expect(formatAmountMinor(1234, 'HRK')).toBe('12.34');
  });

  it("should keep amounts at two decimals or the currency's own, whichever is more", () => {
    expect(['USD', 'JPY', 'KWD', 'BHD', 'UYW', 'ABC'].map(amountScaleOf)).toEqual([2, 2, 3, 3, 4, 2]);
    expect(maxAmountMinor('USD')).toBe(100_000_000);
    expect(maxAmountMinor('KWD')).toBe(1_000_000_000);
  });

  it("should turn written amounts into kept units exactly, or refuse them with the currency's rule", () => {
    const written = (text: string) => parseDecimal(text)!;
    expect(amountIn(written('1.234'), 'KWD', 'price')).toBe(1234);
    expect(amountIn(written('1.2'), 'KWD', 'price')).toBe(1200);
    expect(amountIn(written('1.230'), 'USD', 'price')).toBe(123);
    expect(amountIn(written('3000'), 'JPY', 'price')).toBe(300000);
    expect(amountIn(written('0.0001'), 'UYW', 'price')).toBe(1);
    expect(() => amountIn(written('1.234'), 'USD', 'price')).toThrow(
      new ValidationError('USD amounts have at most 2 decimals, got 1.234', 'price'),
    );
    expect(() => amountIn(written('12.5'), 'JPY', 'price')).toThrow(
      new ValidationError('JPY amounts have no decimals, got 12.50', 'price'),
    );
    expect(() => amountIn(written('1.2345'), 'KWD', 'price')).toThrow(
      new ValidationError('KWD amounts have at most 3 decimals, got 1.2345', 'price'),
    );
    // An unknown code is the mistake to name, not the decimals it cannot have.
    expect(() => amountIn(written('1.234'), 'ABC', 'price')).toThrow(/ISO 4217 code such as "USD", got "ABC"/);
  });

  it('should read an amount recorded in hundredths in the units its currency is kept in now', () => {
    expect(inCurrencyUnits(1234, 2, 'KWD')).toBe(12340);
    expect(inCurrencyUnits(1234, 3, 'KWD')).toBe(1234);
    expect(inCurrencyUnits(1234, 2, 'USD')).toBe(1234);
    expect(inCurrencyUnits(300000, 2, 'JPY')).toBe(300000);
  });
});
