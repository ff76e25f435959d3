import { Field, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../scalars/decimal.js';

@ObjectType({ description: 'An exact amount of money in one currency.' })
export class Money {
  /** Integer minor units inside the server; the Decimal scalar writes "109.97". */
  @Field(() => DecimalScalar, { description: 'The amount, e.g. "109.97".' })
  amount!: number;

  @Field(() => String, { description: 'ISO 4217 currency code, e.g. "USD".' })
  currency!: string;
}

export const money = (amountMinor: number, currency: string): Money => ({ amount: amountMinor, currency });
