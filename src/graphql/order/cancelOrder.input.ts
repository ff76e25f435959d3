import { Field, InputType } from 'type-graphql';
import { TEXT_DESCRIPTION, ValidText } from '../input/index.js';
import { OrderCommandInput } from './orderCommand.input.js';

@InputType()
export class CancelOrderInput extends OrderCommandInput {
  @Field(() => String, { description: `${TEXT_DESCRIPTION}.` })
  @ValidText()
  reason!: string;
}
