import { Field, ID, InputType, Int } from 'type-graphql';
import { ID_DESCRIPTION, ValidId } from '../input/index.js';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotencyKey.js';

/** The fields every command on an existing order shares. Never an argument itself, so not in the schema. */
@InputType()
export class OrderCommandInput {
  @Field(() => ID, { description: ID_DESCRIPTION })
  @ValidId()
  orderId!: string;

  @Field(() => Int, { nullable: true, description: 'The order version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  commandId?: string;
}
