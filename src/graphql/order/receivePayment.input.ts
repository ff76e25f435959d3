import { Field, ID, InputType } from 'type-graphql';
import { type DecimalAmount, formatAmountMinor } from '../../domain/money.js';
import { MAX_AMOUNT_MINOR } from '../../domain/order/limits.js';
import { ID_DESCRIPTION, TEXT_DESCRIPTION, ValidId, ValidText } from '../input/index.js';
import { DecimalScalar } from '../scalars/decimal.js';
import { OrderCommandInput } from './orderCommand.input.js';

@InputType()
export class ReceivePaymentInput extends OrderCommandInput {
  @Field(() => ID, { description: ID_DESCRIPTION })
  @ValidId()
  paymentId!: string;

  @Field(() => DecimalScalar, {
    description: `Must equal the order's total exactly (at most ${formatAmountMinor(MAX_AMOUNT_MINOR)}).`,
  })
  amount!: DecimalAmount;

  @Field(() => String, { description: `How the customer paid, e.g. "credit_card". ${TEXT_DESCRIPTION}.` })
  @ValidText()
  method!: string;
}
