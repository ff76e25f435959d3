import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import type { DashboardView } from '../../projections/dashboard/view.js';
import { Money, money } from '../order/money.type.js';
import { OrderStatus } from '../order/orderStatus.enum.js';

@ObjectType({ description: 'The orders placed in the window that are now in one status: the GROUP BY status row.' })
export class DashboardStatusFigures {
  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => Int, { description: 'Orders placed in the window that are in this status now.' })
  count!: number;

  @Field(() => Money, { description: "The sum of these orders' totals, exact." })
  amount!: Money;
}

@ObjectType({ description: "One UTC day's order events within the window (a day cut by the window counts only its part inside)." })
export class DashboardDay {
  @Field(() => GraphQLLocalDate, { description: 'The UTC day, e.g. "2025-01-10".' })
  date!: string;

  @Field(() => Int, { description: 'Orders placed that day.' })
  ordersPlaced!: number;

  @Field(() => Int, { description: 'Payments received that day.' })
  ordersPaid!: number;

  @Field(() => Int, { description: 'Orders shipped that day.' })
  ordersShipped!: number;

  @Field(() => Int, { description: 'Orders cancelled that day, paid or not.' })
  ordersCancelled!: number;

  @Field(() => Money, { description: 'Payments received that day minus refunds paid that day (may be negative), exact.' })
  revenue!: Money;
}

@ObjectType({
  description:
    'Order and revenue figures of ONE currency (`currency`) over a window of event time [from, to): every count and ' +
    'amount covers only the orders in that currency, never adding or converting other currencies; `currencies` names ' +
    'every currency with activity in the window, to ask for each in turn. Event time is when the event was recorded ' +
    '(its occurredAt); days are UTC days.',
})
export class Dashboard {
  @Field(() => GraphQLDateTime, { nullable: true, description: 'Start of the window, inclusive; null for the start of the log.' })
  from!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'End of the window, exclusive; null for no end.' })
  to!: Date | null;

  @Field(() => String, { description: 'The ISO 4217 currency every figure is in, and whose orders are counted.' })
  currency!: string;

  @Field(() => [String], { description: 'Every currency with at least one order event in the window, sorted.' })
  currencies!: string[];

  @Field(() => Int, { description: 'Orders placed in the window (the sum of the byStatus counts).' })
  ordersPlaced!: number;

  @Field(() => Money, { description: 'Payments received minus refunds paid in the window (the sum of the days), exact.' })
  revenue!: Money;

  @Field(() => [DashboardStatusFigures], {
    description:
      'The orders placed in the window grouped by their status now: one entry per status (zeros included), ' +
      'in the order PENDING, PAID, SHIPPED, CANCELLED.',
  })
  byStatus!: DashboardStatusFigures[];

  @Field(() => [DashboardDay], { description: 'Each UTC day with at least one order event in the window, oldest first.' })
  days!: DashboardDay[];
}

export function toDashboard(view: DashboardView, window: { from: Date | null; to: Date | null }): Dashboard {
  const { currency } = view;
  return {
    ...window,
    currency,
    currencies: view.currencies,
    ordersPlaced: view.ordersPlaced,
    revenue: money(view.revenueMinor, currency),
    byStatus: view.byStatus.map((figures) => ({
      status: OrderStatus[figures.status],
      count: figures.count,
      amount: money(figures.amountMinor, currency),
    })),
    days: view.days.map(({ revenueMinor, ...day }) => ({ ...day, revenue: money(revenueMinor, currency) })),
  };
}
