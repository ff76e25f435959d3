import { Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DecimalScalar } from '../../../src/graphql/scalars/decimal.js';

const refusal = (shown: string, reason?: string) =>
  `Decimal expects an amount with at most 4 fraction digits, such as "29.99", but got ${shown}${reason ? `: ${reason}` : ''}`;

describe('Decimal', () => {
  describe('as input', () => {
    it.each([
      ['29.99', { units: 2999, scale: 2 }],
      [29.99, { units: 2999, scale: 2 }],
      ['5', { units: 5, scale: 0 }],
      [0.5, { units: 5, scale: 1 }],
      ['0', { units: 0, scale: 0 }],
      ['-1', { units: -1, scale: 0 }],
      ['1000000.00', { units: 100_000_000, scale: 2 }],
      // KWD has three decimals, UYW four: the currency, known later, says whether they may be used.
      ['1.234', { units: 1234, scale: 3 }],
      [0.0001, { units: 1, scale: 4 }],
    ])('should read %j exactly, with the decimals it was written with', (value, amount) => {
      expect(DecimalScalar.parseValue(value)).toEqual(amount);
    });

    it.each([
      [NaN, refusal('NaN', 'not a number')],
      ['NaN', refusal('"NaN"', 'not a number')],
      [Infinity, refusal('Infinity', 'not a finite number (a JSON number such as 1e309 overflows to Infinity)')],
      [JSON.parse('1e309') as number, refusal('Infinity', 'not a finite number (a JSON number such as 1e309 overflows to Infinity)')],
      [-Infinity, refusal('-Infinity', 'not a finite number (a JSON number such as 1e309 overflows to Infinity)')],
      ['Infinity', refusal('"Infinity"', 'not a finite number')],
      ['1e309', refusal('"1e309"', 'exponent notation is not accepted; write the digits')],
      [1e21, refusal('1e+21', 'exponent notation is not accepted; write the digits')],
      ['-0', refusal('"-0"', 'negative zero is not an amount')],
      ['-0.00', refusal('"-0.00"', 'negative zero is not an amount')],
      [-0, refusal('-0', 'negative zero is not an amount')],
      [
        0.1 + 0.2,
        refusal(
          '0.30000000000000004',
          '17 fraction digits, the noise of floating-point arithmetic (0.1 + 0.2 is 0.30000000000000004): compute in cents, ' +
            'or send the amount as a string such as "0.30"',
        ),
      ],
      ['0.00001', refusal('"0.00001"', '5 fraction digits; amounts are never rounded')],
      ['1234567890123456', refusal('"1234567890123456"', 'too large to be exact')],
      ['abc', refusal('"abc"')],
      ['9'.repeat(1_000_000), refusal('a string of 1000000 characters')],
      [true, refusal('a boolean')],
      [null, refusal('null')],
      [{}, refusal('an object')],
    ])('should refuse %j, saying why', (value, message) => {
      expect(() => DecimalScalar.parseValue(value)).toThrow(message);
    });

    it('should refuse NaN and Infinity written in the document, which are enum literals', () => {
      expect(() => DecimalScalar.parseLiteral({ kind: Kind.ENUM, value: 'NaN' })).toThrow(refusal('NaN', 'not a number'));
      expect(() => DecimalScalar.parseLiteral({ kind: Kind.FLOAT, value: '1e309' })).toThrow(
        refusal('"1e309"', 'exponent notation is not accepted; write the digits'),
      );
    });
  });
});
