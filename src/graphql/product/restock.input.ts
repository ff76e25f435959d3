import { Field, ID, InputType, Int } from 'type-graphql';
import { ID_DESCRIPTION, ValidId } from '../input/index.js';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotencyKey.js';

@InputType()
export class RestockInput {
  @Field(() => ID, { description: ID_DESCRIPTION })
  @ValidId()
  productId!: string;

  @Field(() => Int, { description: 'Units added on hand: a whole number from 1 to 1,000,000,000.' })
  quantity!: number;

  @Field(() => Int, { nullable: true, description: 'The product version the client saw; a different one is a CONFLICT.' })
  expectedVersion?: number;

  @Field(() => ID, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  commandId?: string;
}
