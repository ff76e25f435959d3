import { Field, ID, InputType, Int } from 'type-graphql';
import { DecimalScalar } from '../scalars/decimal.js';

@InputType()
export class ReceivePaymentInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => ID)
  paymentId!: string;

  @Field(() => DecimalScalar, { description: "Must equal the order's total exactly." })
  amount!: number;

  @Field(() => String, { description: 'How the customer paid, e.g. "credit_card".' })
  method!: string;

  @Field(() => Int, { nullable: true, description: 'The order version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true })
  commandId?: string;
}
