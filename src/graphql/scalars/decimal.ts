import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { formatAmountMinor, parseAmountMinor } from '../../domain/money.js';

/**
 * A money amount. On the wire: a string with two fraction digits ("109.97"). As input: such a
 * string, or a JSON number with at most two fraction digits. Inside the server: integer minor units.
 */
export const DecimalScalar = new GraphQLScalarType<number, string>({
  name: 'Decimal',
  description:
    'A money amount with at most two fraction digits. Output is a string such as "109.97"; input may be ' +
    'such a string or a number such as 109.97. Never rounded: "0.001" is refused.',
  serialize(value) {
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
    throw new GraphQLError(`Decimal expects an amount such as "29.99", but got a ${ast.kind} literal`);
  },
});

function toMinor(value: unknown): number {
  // A JSON number's shortest text form is exact for two-decimal amounts: 29.99 prints as "29.99".
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const minor = typeof text === 'string' ? parseAmountMinor(text) : undefined;
  if (minor === undefined) {
    throw new GraphQLError(
      `Decimal expects an amount with at most two fraction digits, such as "29.99", but got ${JSON.stringify(value)}`,
    );
  }
  return minor;
}
