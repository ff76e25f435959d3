import { Field, ID, InputType, Int } from 'type-graphql';

/** The fields every command on an existing order shares. Never an argument itself, so not in the schema. */
@InputType()
export class OrderCommandInput {
  @Field(() => ID)
  orderId!: string;

  @Field(() => Int, { nullable: true, description: 'The order version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true, description: "Recorded in the events' metadata; a new uuid when absent." })
  commandId?: string;
}
