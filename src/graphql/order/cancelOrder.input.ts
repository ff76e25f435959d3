import { Field, InputType } from 'type-graphql';
import { OrderCommandInput } from './orderCommand.input.js';

@InputType()
export class CancelOrderInput extends OrderCommandInput {
  @Field(() => String)
  reason!: string;
}
