import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { CustomerSummaryView } from '../../projections/customerSummary/view.js';
import { Money, money } from '../order/money.type.js';

@ObjectType({
  description:
    "A customer's orders summed up, from the customerSummary read model. Money is never added across currencies: " +
    'lifetimeSpendByCurrency has one amount per currency, lifetimeSpend one currency at a time.',
})
export class CustomerSummary {
  @Field(() => ID, { description: 'The customer id the orders were placed with.' })
  id!: string;

  @Field(() => Int, { description: 'Every order the customer has placed, whatever its status.' })
  orderCount!: number;

  @Field(() => Int, { description: 'Orders placed and not yet paid or cancelled.' })
  pendingCount!: number;

  @Field(() => Int, { description: 'Orders paid and not yet shipped or cancelled.' })
  paidCount!: number;

  @Field(() => Int, { description: 'Orders shipped.' })
  shippedCount!: number;

  @Field(() => Int, { description: 'Orders cancelled, paid or not.' })
  cancelledCount!: number;

  @Field(() => Int, { description: 'Orders still open: pending or paid (pendingCount + paidCount).' })
  openOrders!: number;

  @Field(() => [Money], {
    description:
      'Payments received minus refunds of cancelled paid orders, exact, one entry per currency the customer has ' +
      'ordered in (0.00 when nothing in it is paid), sorted by currency code. Amounts in different currencies are ' +
      'never added together or converted.',
  })
  lifetimeSpendByCurrency!: Money[];

  @Field(() => GraphQLDateTime, { description: "When the customer's first order was placed." })
  firstOrderAt!: string;

  @Field(() => GraphQLDateTime, { description: "When the customer's latest order was placed." })
  lastOrderAt!: string;

  /** The currency of the latest order: lifetimeSpend's default. Not a field itself. */
  latestCurrency!: string;
}

export function toCustomerSummary(view: CustomerSummaryView): CustomerSummary {
  return {
    id: view.customerId,
    orderCount: view.orderCount,
    pendingCount: view.pendingCount,
    paidCount: view.paidCount,
    shippedCount: view.shippedCount,
    cancelledCount: view.cancelledCount,
    openOrders: view.openOrders,
    lifetimeSpendByCurrency: view.spendByCurrency.map((spend) => money(spend.amountMinor, spend.currency)),
    firstOrderAt: view.firstOrderAt,
    lastOrderAt: view.lastOrderAt,
    latestCurrency: view.latestCurrency,
  };
}
