import type { DecimalAmount } from '../../domain/money.js';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ID_DESCRIPTION, TEXT_DESCRIPTION, ValidId, ValidText } from '../input/index.js';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotencyKey.js';
import { DecimalScalar } from '../scalars/decimal.js';
import { UNIT_PRICE_DESCRIPTION } from './changePrice.input.js';

@InputType()
export class AddProductInput {
  @Field(() => ID, { description: `Chosen by the client (${ID_DESCRIPTION}); adding an id that exists is a CONFLICT.` })
  @ValidId()
  productId!: string;

  @Field(() => String, { description: `Not blank. ${TEXT_DESCRIPTION}.` })
  @ValidText()
  name!: string;

  @Field(() => Int, { description: 'The initial stock on hand: a whole number from 0 to 1,000,000,000.' })
  quantity!: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `The catalog price of one unit: ${UNIT_PRICE_DESCRIPTION}. Absent: the product is in stock but customers cannot order it until changePrice prices it.`,
  })
  unitPrice?: DecimalAmount | null;

  @Field(() => String, {
    nullable: true,
    description: 'ISO 4217 currency code of unitPrice; "USD" when absent. Only with a unitPrice.',
  })
  currency?: string | null;

  @Field(() => ID, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  commandId?: string;
}
