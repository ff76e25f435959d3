import { describe, expect, it } from 'vitest';
import { ISO_4217_PUBLISHED, minorUnitsOf } from '../../src/domain/currencies.js';
import { fitsCurrency, formatAmountMinor, isCurrencyCode } from '../../src/domain/money.js';

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
    expect(formatAmountMinor(300000, 'JPY')).toBe('3000');
    expect(formatAmountMinor(-300000, 'JPY')).toBe('-3000');
    expect(formatAmountMinor(10997, 'USD')).toBe('109.97');
    expect(formatAmountMinor(1230, 'KWD')).toBe('12.30');
    // Stored before currencies had their own decimals: a yen fraction is shown, not dropped.
    expect(formatAmountMinor(1234, 'JPY')).toBe('12.34');
    // A code ISO no longer lists (stored while the runtime's table had it): two decimals, as ever.
    expect(formatAmountMinor(1234, 'HRK')).toBe('12.34');
  });
});
