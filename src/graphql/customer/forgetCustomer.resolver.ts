import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { requireRole } from '../../auth/access.js';
import { isoNow } from '../../clock/clock.js';
import { MAX_ID_LENGTH } from '../../domain/order/limits.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';

@ObjectType({ description: "What forgetCustomer did: the customer's data keys destroyed, and when, as CustomerForgotten records." })
export class CustomerForgottenResult {
  @Field(() => ID)
  customerId!: string;

  @Field(() => GraphQLDateTime, { description: 'When the keys were destroyed (the first time, for a repeat).' })
  forgottenAt!: string;

  @Field(() => Int, {
    description: 'Data keys destroyed (0 for a customer who never gave personal data); a repeat answers with the first.',
  })
  keysDestroyed!: number;

  @Field(() => GraphQLSafeInt, { description: 'The log position of the CustomerForgotten event.' })
  position!: number;
}

@Resolver()
export class ForgetCustomerResolver {
  @Mutation(() => CustomerForgottenResult, {
    description:
      "Erases a customer's personal data (shipping details) by destroying their data keys: from then on every query, " +
      'subscription, export and NATS message shows those fields as "[erased]", on every instance, while the log, totals, ' +
      'statuses and stock stay as they are. Records CustomerForgotten. Idempotent: a repeat answers as the first. Admins only.',
  })
  async forgetCustomer(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: GraphQLContext): Promise<CustomerForgottenResult> {
    const principal = requireRole(ctx, ['admin'], 'forget customers');
    if (customerId.trim() === '' || customerId.length > MAX_ID_LENGTH) {
      throw badUserInput(`customerId must be 1 to ${MAX_ID_LENGTH} characters`, 'customerId');
    }
    const forgotten: CustomerForgottenResult = await ctx.forgetCustomer(customerId, {
      userId: principal.userId,
      correlationId: ctx.correlationId,
      now: isoNow(ctx.clock),
    });
    // Nothing to wait for: the keys are gone, so every read from now on shows the fields erased.
    return forgotten;
  }
}
