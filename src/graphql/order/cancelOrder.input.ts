import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CancelOrderInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => Int, { nullable: true, description: 'The order version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true })
  commandId?: string;
}
