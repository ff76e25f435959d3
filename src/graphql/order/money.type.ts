import { Field, ObjectType } from 'type-graphql';
import { formatAmountMinor } from '../../domain/money.js';
import { DecimalScalar } from '../scalars/decimal.js';

@ObjectType({ description: 'An exact amount of money in one currency.' })
export class Money {
  /** The amount as the currency writes it ("109.97" USD, "3000" JPY); the Decimal scalar passes it on. */
  @Field(() => DecimalScalar, { description: 'The amount, with the currency\'s decimals: "109.97" (USD), "3000" (JPY).' })
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 currency code, e.g. "USD".' })
  currency!: string;
}

/** An amount in minor units (hundredths) and its currency, as the API shows it. */
export const money = (amountMinor: number, currency: string): Money => ({ amount: formatAmountMinor(amountMinor, currency), currency });
