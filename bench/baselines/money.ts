import { Field, ObjectType } from 'type-graphql';

/** Money as orderstream answers it (a decimal string and a currency), for the baselines' answers. */
@ObjectType()
export class Money {
  @Field(() => String)
  amount!: string;

  @Field(() => String)
  currency!: string;
}
