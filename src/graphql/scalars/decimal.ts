import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { type DecimalAmount, formatAmountMinor, MAX_DECIMALS, parseDecimal } from '../../domain/money.js';

/**
 * A money amount. On the wire: a string with the currency's decimals ("109.97", "3000" JPY, "1.234"
 * KWD). As input: such a string, or a JSON number, with at most MAX_DECIMALS fraction digits; the
 * resolver, knowing the currency, refuses more than it has. Inside the server: a DecimalAmount,
 * then integer units of the currency. NaN, Infinity, exponents ("1e309"), negative zero and float
 * noise (0.30000000000000004) are refused with the reason, never rounded.
 */
const DECIMAL_TEXT = new RegExp(`^-?\\d+(\\.\\d{1,${MAX_DECIMALS}})?$`);

export const DecimalScalar = new GraphQLScalarType<DecimalAmount, string>({
  name: 'Decimal',
  description:
    'A money amount with no more fraction digits than its currency has: two for USD, none for JPY, three for KWD. ' +
    'Output is a string with the currency\'s decimals, such as "109.97", "3000" (JPY) or "1.234" (KWD); input may be ' +
    'such a string or a number such as 109.97. Never rounded: "0.001" is refused in USD (BAD_USER_INPUT).',
  serialize(value) {
    // Money formats its amount with its currency's decimals ("3000" JPY) before it gets here.
    if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return value;
    // A plain number is hundredths, as amounts were kept before currencies had their own decimals.
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new GraphQLError(`Decimal cannot represent ${String(value)}`);
    }
    return formatAmountMinor(value);
  },
  parseValue(value) {
    return toMinor(value);
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return toMinor(ast.value);
    // `NaN` and `Infinity` written bare in a document are enum literals.
    const shown = ast.kind === Kind.ENUM ? ast.value : `a ${ast.kind} literal`;
    throw refusal(shown, ast.kind === Kind.ENUM ? reasonFor(ast.value) : undefined);
  },
});

const MAX_SHOWN_LENGTH = 40;
const TOO_MANY_FRACTION_DIGITS = new RegExp(`^-?\\d+\\.(\\d{${MAX_DECIMALS + 1},})$`);
/** So many fraction digits are no one's price: a float sum's rounding error (0.30000000000000004). */
const FLOAT_NOISE_DIGITS = 10;

function toMinor(value: unknown): DecimalAmount {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw refusal('NaN', 'not a number');
    if (!Number.isFinite(value)) throw refusal(String(value), 'not a finite number (a JSON number such as 1e309 overflows to Infinity)');
    if (Object.is(value, -0)) throw refusal('-0', 'negative zero is not an amount');
  } else if (typeof value !== 'string') {
    throw refusal(
      value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`,
    );
  }
  // A JSON number's shortest text form is exact for amounts of a few decimals: 29.99 prints as "29.99".
  const text = String(value);
  const shown = typeof value === 'string' ? JSON.stringify(value) : text;
  if (text.length > MAX_SHOWN_LENGTH) throw refusal(`a${typeof value === 'string' ? ' string' : 'n amount'} of ${text.length} characters`);
  const minor = reasonFor(text) === undefined ? parseDecimal(text) : undefined;
  if (minor === undefined) throw refusal(shown, reasonFor(text));
  return minor;
}

/** Why decimal text is no amount, when there is a reason more telling than the format. */
function reasonFor(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^[+-]?nan$/i.test(trimmed)) return 'not a number';
  if (/^[+-]?infinity$/i.test(trimmed)) return 'not a finite number';
  if (/^[+-]?[\d.]+e[+-]?\d+$/i.test(trimmed)) return 'exponent notation is not accepted; write the digits';
  if (/^-0*(\.0*)?$/.test(trimmed) && /\d/.test(trimmed)) return 'negative zero is not an amount';
  const fraction = TOO_MANY_FRACTION_DIGITS.exec(trimmed)?.[1];
  if (fraction && fraction.length >= FLOAT_NOISE_DIGITS) {
    return (
      `${fraction.length} fraction digits, the noise of floating-point arithmetic (0.1 + 0.2 is ` +
      '0.30000000000000004): compute in cents, or send the amount as a string such as "0.30"'
    );
  }
  if (fraction) return `${fraction.length} fraction digits; amounts are never rounded`;
  if (/^-?\d{16,}(\.\d*)?$/.test(trimmed)) return 'too large to be exact';
  return undefined;
}

function refusal(shown: string, reason?: string): GraphQLError {
  return new GraphQLError(
    `Decimal expects an amount with at most ${MAX_DECIMALS} fraction digits, such as "29.99", but got ${shown}${reason ? `: ${reason}` : ''}`,
  );
}
