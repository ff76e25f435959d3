import { Field, ID, InputType, Int } from 'type-graphql';
import { IDEMPOTENCY_KEY_DESCRIPTION } from './idempotencyKey.js';
import { DecimalScalar } from '../scalars/decimal.js';

@InputType()
export class OrderItemInput {
  @Field(() => ID)
  productId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'A positive whole number.' })
  quantity!: number;

  @Field(() => DecimalScalar, { description: 'Positive, at most two fraction digits, e.g. "29.99".' })
  unitPrice!: number;
}

@InputType()
export class PlaceOrderInput {
  @Field(() => ID, { nullable: true, description: 'Chosen by the client, or a new uuid when absent.' })
  orderId?: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => [OrderItemInput], { description: 'At least one item.' })
  items!: OrderItemInput[];

  @Field(() => String, { defaultValue: 'USD', description: 'ISO 4217 currency code of every price.' })
  currency!: string;

  @Field(() => ID, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  commandId?: string;
}
