import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { canSeeCustomer, signedIn } from '../../auth/access.js';
import { isCurrencyCode } from '../../domain/money.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { Money, money } from '../order/money.type.js';
import { CustomerSummary, toCustomerSummary } from './customerSummary.type.js';

/** Customer queries: they read the customerSummary tables only. */
@Resolver(() => CustomerSummary)
export class CustomerResolver {
  @Query(() => CustomerSummary, {
    nullable: true,
    description: "A customer's orders summed up, or null when the customer has placed no order. A customer sees only its own.",
  })
  async customer(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<CustomerSummary | null> {
    if (!canSeeCustomer(signedIn(ctx), id)) return null;
    const view = await ctx.customers.getCustomerSummary(id);
    return view ? toCustomerSummary(view) : null;
  }

  @FieldResolver(() => Money, {
    description:
      'Payments received minus refunds of cancelled paid orders, exact, in ONE currency: `currency` when given ' +
      "(0.00 if the customer has nothing in it), else the currency of the customer's latest order. Amounts in " +
      'other currencies are never added in or converted: lifetimeSpendByCurrency lists every currency.',
  })
  lifetimeSpend(
    @Root() summary: CustomerSummary,
    @Arg('currency', () => String, { nullable: true, description: 'ISO 4217 code, e.g. "EUR".' })
    currency: string | undefined,
  ): Money {
    if (currency != null && !isCurrencyCode(currency)) {
      throw badUserInput(`currency must be a three-letter ISO 4217 code such as "USD", got "${currency}"`, 'currency');
    }
    const wanted = currency ?? summary.latestCurrency;
    return summary.lifetimeSpendByCurrency.find((spend) => spend.currency === wanted) ?? money(0, wanted);
  }
}
