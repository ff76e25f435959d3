import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { OrderViewChange } from '../../projections/orderView/view.js';
import type { GraphQLContext } from '../context.js';
import { customerScope, signedIn } from '../../auth/access.js';
import { canSeeOrder, orderNotFound } from './orderAccess.js';
import { Order, toOrder } from './order.type.js';
import { OrderStatus } from './orderStatus.enum.js';

type OrderUpdatedArgs = { id: string };
type OrdersChangedArgs = { customerId?: string | null; status?: OrderStatus | null };

/** Live order views, pushed from the projection's change feed as it commits. */
@Resolver()
export class OrderSubscriptionsResolver {
  @Subscription(() => Order, {
    description:
      'The order now, then the order after each change, in version order. NOT_FOUND for an unknown order.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, OrderUpdatedArgs, GraphQLContext>) =>
      orderUpdates(context, args.id),
  })
  orderUpdated(@Arg('id', () => ID) _id: string, @Root() change: OrderViewChange): Order {
    return toOrder(change.view);
  }

  @Subscription(() => Order, {
    description: 'Each order that changes from now on and matches the filter, as it is after the change.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, OrdersChangedArgs, GraphQLContext>) =>
      changedOrders(context, args),
  })
  ordersChanged(
    @Arg('customerId', () => ID, { nullable: true }) _customerId: string | undefined,
    @Arg('status', () => OrderStatus, { nullable: true }) _status: OrderStatus | undefined,
    @Root() change: OrderViewChange,
  ): Order {
    return toOrder(change.view);
  }
}

function orderUpdates(ctx: GraphQLContext, orderId: string): AsyncIterable<OrderViewChange> {
  signedIn(ctx);
  const current = ctx.orders.getOrderView(orderId);
  if (!current || !canSeeOrder(ctx, current)) throw orderNotFound(orderId);
  // No change can fall between the read above and the subscription below: both run in one
  // synchronous step, and the projection runner publishes in the same step as it commits.
  return ctx.orderChanges.subscribe({
    initial: [{ view: current }],
    filter: ({ view }) => view.id === orderId && view.version > current.version,
    coalesceKey: ({ view }) => view.id,
  });
}

function changedOrders(ctx: GraphQLContext, filter: OrdersChangedArgs): AsyncIterable<OrderViewChange> {
  const scope = customerScope(signedIn(ctx), filter.customerId);
  return ctx.orderChanges.subscribe({
    filter: ({ view }) =>
      scope !== 'nothing' &&
      (scope.customerId === undefined || view.customerId === scope.customerId) &&
      (filter.status == null || view.status === filter.status),
    coalesceKey: ({ view }) => view.id,
  });
}
