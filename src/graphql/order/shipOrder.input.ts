import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { TEXT_DESCRIPTION, ValidText } from '../input/index.js';
import { OrderCommandInput } from './orderCommand.input.js';

@InputType()
export class ShipOrderInput extends OrderCommandInput {
  @Field(() => String, { description: `${TEXT_DESCRIPTION}.` })
  @ValidText()
  trackingNumber!: string;

  @Field(() => String, { description: `${TEXT_DESCRIPTION}.` })
  @ValidText()
  carrier!: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'A date such as "2025-01-15".' })
  estimatedDelivery?: string;
}
