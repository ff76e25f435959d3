import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class ShipOrderInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => String)
  trackingNumber!: string;

  @Field(() => String)
  carrier!: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'A date such as "2025-01-15".' })
  estimatedDelivery?: string;

  @Field(() => Int, { nullable: true, description: 'The order version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true })
  commandId?: string;
}
