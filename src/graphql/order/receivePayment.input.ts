import { Field, ID, InputType } from 'type-graphql';
import { DecimalScalar } from '../scalars/decimal.js';
import { OrderCommandInput } from './orderCommand.input.js';

@InputType()
export class ReceivePaymentInput extends OrderCommandInput {
  @Field(() => ID)
  paymentId!: string;

  @Field(() => DecimalScalar, { description: "Must equal the order's total exactly." })
  amount!: number;

  @Field(() => String, { description: 'How the customer paid, e.g. "credit_card".' })
  method!: string;
}
