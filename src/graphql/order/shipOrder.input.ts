import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { OrderCommandInput } from './orderCommand.input.js';

@InputType()
export class ShipOrderInput extends OrderCommandInput {
  @Field(() => String)
  trackingNumber!: string;

  @Field(() => String)
  carrier!: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'A date such as "2025-01-15".' })
  estimatedDelivery?: string;
}
