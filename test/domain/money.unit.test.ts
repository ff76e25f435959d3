import { describe, expect, it } from 'vitest';
import { atScale, formatAmountMinor, multiplyMinor, parseAmountMinor, parseDecimal, sumMinor } from '../../src/domain/money.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('Money', () => {
  describe('parseAmountMinor', () => {
    it.each([
      ['29.99', 2999],
      ['5', 500],
      ['0.5', 50],
      ['109.97', 10997],
      ['-1', -100],
    ])('should parse %j as %i minor units', (text, minor) => {
      expect(parseAmountMinor(text)).toBe(minor);
    });

    it.each(['abc', '0.001', '1e3', '', '1.', '.5', '90071992547409.93', '999999999999999.99'])('should refuse %j', (text) => {
      expect(parseAmountMinor(text)).toBeUndefined();
    });
  });

  describe('parseDecimal', () => {
    it.each([
      ['29.99', { units: 2999, scale: 2 }],
      ['1.230', { units: 1230, scale: 3 }],
      ['0.0001', { units: 1, scale: 4 }],
      ['5', { units: 5, scale: 0 }],
      ['-0.5', { units: -5, scale: 1 }],
    ])('should read %j exactly, with the decimals it was written with', (text, amount) => {
      expect(parseDecimal(text)).toEqual(amount);
    });

    it.each(['abc', '0.00001', '1e3', '', '1.', '.5', '999999999999999.9999'])('should refuse %j', (text) => {
      expect(parseDecimal(text)).toBeUndefined();
    });
  });

  describe('atScale', () => {
    it('should convert exactly, or not at all', () => {
      expect(atScale({ units: 1230, scale: 3 }, 2)).toBe(123);
      expect(atScale({ units: 1235, scale: 3 }, 2)).toBeUndefined();
      expect(atScale({ units: 5, scale: 0 }, 3)).toBe(5000);
      expect(atScale({ units: MAX, scale: 0 }, 1)).toBeUndefined();
    });
  });

  describe('formatAmountMinor', () => {
    it.each([
      [10997, '109.97'],
      [5, '0.05'],
      [0, '0.00'],
      [-150, '-1.50'],
    ])('should format %i minor units as %j', (minor, text) => {
      expect(formatAmountMinor(minor)).toBe(text);
    });
  });

  it('should compute 2 × 29.99 + 49.99 as exactly 109.97', () => {
    const widget = parseAmountMinor('29.99')!;
    const gadget = parseAmountMinor('49.99')!;

    const total = sumMinor([multiplyMinor(widget, 2)!, multiplyMinor(gadget, 1)!]);

    expect(total).toBe(10997);
    expect(formatAmountMinor(total!)).toBe('109.97');
  });

  describe('multiplyMinor', () => {
    it('should multiply up to Number.MAX_SAFE_INTEGER', () => {
      expect(multiplyMinor(2999, 2)).toBe(5998);
      expect(multiplyMinor(MAX, 1)).toBe(MAX);
    });

    it('should return undefined past Number.MAX_SAFE_INTEGER', () => {
      expect(multiplyMinor(MAX, 2)).toBeUndefined();
      expect(multiplyMinor(Math.ceil(MAX / 3), 3)).toBeUndefined();
    });
  });

  describe('sumMinor', () => {
    it('should sum up to Number.MAX_SAFE_INTEGER', () => {
      expect(sumMinor([])).toBe(0);
      expect(sumMinor([MAX - 1, 1])).toBe(MAX);
    });

    it('should return undefined past Number.MAX_SAFE_INTEGER', () => {
      expect(sumMinor([MAX, 1])).toBeUndefined();
      expect(sumMinor([MAX, 1, -2])).toBeUndefined();
    });
  });
});
