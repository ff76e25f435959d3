import type { DecimalAmount } from '../../domain/money.js';
import { Field, ID, InputType, Int } from 'type-graphql';
import { formatAmountMinor } from '../../domain/money.js';
import { MAX_AMOUNT_MINOR } from '../../domain/order/limits.js';
import { ID_DESCRIPTION, ValidId } from '../input/index.js';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotencyKey.js';
import { DecimalScalar } from '../scalars/decimal.js';

/** The rules of a catalog price, as an order line's unit price has them. */
export const UNIT_PRICE_DESCRIPTION = `positive, at most ${formatAmountMinor(MAX_AMOUNT_MINOR)}, with no more decimals than the currency has, e.g. "29.99"`;

@InputType()
export class ChangePriceInput {
  @Field(() => ID, { description: ID_DESCRIPTION })
  @ValidId()
  productId!: string;

  @Field(() => DecimalScalar, {
    description: `The new catalog price of one unit: ${UNIT_PRICE_DESCRIPTION}. The price it has already changes nothing and writes no event.`,
  })
  unitPrice!: DecimalAmount;

  @Field(() => String, { defaultValue: 'USD', description: 'ISO 4217 currency code of unitPrice.' })
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'The product version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  commandId?: string;
}
