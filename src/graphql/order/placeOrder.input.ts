import { Field, ID, InputType, Int } from 'type-graphql';
import { type DecimalAmount, formatAmountMinor } from '../../domain/money.js';
import { MAX_AMOUNT_MINOR, MAX_ITEMS, MAX_QUANTITY } from '../../domain/order/limits.js';
import { ID_DESCRIPTION, TEXT_DESCRIPTION, ValidId, ValidText } from '../input/index.js';
import { DecimalScalar } from '../scalars/decimal.js';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotencyKey.js';
import { ShippingDetailsInput } from './shippingDetails.input.js';

@InputType()
export class OrderItemInput {
  @Field(() => ID, { description: ID_DESCRIPTION })
  @ValidId()
  productId!: string;

  @Field(() => String, { description: `${TEXT_DESCRIPTION}.` })
  @ValidText()
  name!: string;

  @Field(() => Int, { description: `A whole number from 1 to ${MAX_QUANTITY.toLocaleString('en-US')}.` })
  quantity!: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      `Positive, at most ${formatAmountMinor(MAX_AMOUNT_MINOR)}, with no more decimals than the currency has, e.g. "29.99". Absent: the catalog's ` +
      "current price. A customer's order is priced by the catalog: a price given must be the current one (else FAILED_PRECONDITION " +
      'with the current price); staff and admins may send any price, for products outside the catalog too.',
  })
  unitPrice?: DecimalAmount | null;
}

@InputType()
export class PlaceOrderInput {
  @Field(() => ID, { nullable: true, description: `Chosen by the client (${ID_DESCRIPTION}), or a new uuid when absent.` })
  @ValidId()
  orderId?: string;

  @Field(() => ID, { description: ID_DESCRIPTION })
  @ValidId()
  customerId!: string;

  @Field(() => [OrderItemInput], { description: `1 to ${MAX_ITEMS} items; the total is at most ${formatAmountMinor(MAX_AMOUNT_MINOR)}.` })
  items!: OrderItemInput[];

  @Field(() => String, { defaultValue: 'USD', description: 'ISO 4217 currency code of every price.' })
  currency!: string;

  @Field(() => ShippingDetailsInput, {
    nullable: true,
    description: 'Where the order ships; absent for an order that ships nowhere (or not yet known).',
  })
  shipping?: ShippingDetailsInput | null;

  @Field(() => ID, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  commandId?: string;
}
