import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { OrderViewChange } from '../../projections/orderView/view.js';
import { orderViewReplay, singleOrderViewReplay } from '../../projections/orderView/replay.js';
import type { GraphQLContext } from '../context.js';
import { customerScope, signedIn } from '../../auth/access.js';
import { readAfterAttaching } from '../readAfterAttaching.js';
import { resumePoint } from '../resumePoint.js';
import { closeWhenStalled } from '../slowSubscribers.js';
import { visibleOrder } from './orderAccess.js';
import { Order, toOrder } from './order.type.js';
import { OrderStatus } from './orderStatus.enum.js';

type OrderUpdatedArgs = { id: string; afterVersion?: number | null };
type OrdersChangedArgs = { customerId?: string | null; status?: OrderStatus | null; afterPosition?: number | null };

/** Live order views: replayed from the log after a given point, then pushed from the projection's change feed as it commits. */
@Resolver()
export class OrderSubscriptionsResolver {
  @Subscription(() => Order, {
    description:
      'Without afterVersion: the order now, then the order after each change. With it: the order after each ' +
      'change since that version, replayed from the log, then live. In version order, no gap, no repeat; a ' +
      'subscriber that falls behind skips to the latest. NOT_FOUND for an unknown order.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, OrderUpdatedArgs, GraphQLContext>) => orderUpdates(context, args),
  })
  orderUpdated(
    @Arg('id', () => ID) _id: string,
    @Arg('afterVersion', () => Int, { nullable: true, description: 'The version of the last message received, to resume.' })
    _afterVersion: number | undefined,
    @Root() change: OrderViewChange,
  ): Order {
    return toOrder(change.view);
  }

  @Subscription(() => Order, {
    description:
      'Each change of an order that matches the filter, as the order is after it, in position order. With ' +
      'afterPosition, the changes since that position are replayed from the log first, then live ones follow ' +
      'with no gap and no repeat; without it, changes from now on.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, OrdersChangedArgs, GraphQLContext>) => changedOrders(context, args),
  })
  ordersChanged(
    @Arg('customerId', () => ID, { nullable: true }) _customerId: string | undefined,
    @Arg('status', () => OrderStatus, { nullable: true }) _status: OrderStatus | undefined,
    @Arg('afterPosition', () => GraphQLSafeInt, { nullable: true, description: 'The position of the last message received, to resume.' })
    _afterPosition: number | undefined,
    @Root() change: OrderViewChange,
  ): Order {
    return toOrder(change.view);
  }
}

const positionOf = ({ view }: OrderViewChange) => view.position;
const orderIdOf = ({ view }: OrderViewChange) => view.id;

async function orderUpdates(ctx: GraphQLContext, args: OrderUpdatedArgs): Promise<AsyncIterable<OrderViewChange>> {
  signedIn(ctx);
  const afterVersion = resumePoint(args.afterVersion, 'afterVersion');
  const common = {
    filter: (change: OrderViewChange) => change.view.id === args.id,
    coalesceKey: orderIdOf,
    positionOf,
    onStalled: closeWhenStalled(ctx),
  };
  if (afterVersion !== undefined) {
    // The log replay makes the seam here (from the feed's live position when attaching), so the read is only the check.
    await visibleOrder(ctx, args.id);
    return ctx.orderChanges.subscribe({
      ...common,
      replay: {
        after: 0,
        livePosition: () => ctx.projections.livePosition('orderView'),
        read: singleOrderViewReplay(ctx.replayLog, args.id, afterVersion),
      },
    });
  }
  // The read may be async, so attach first: changes published while it runs wait in the buffer, and
  // startWith drops those the current view already shows (by position). No gap, no repeat, no log read.
  const subscription = ctx.orderChanges.subscribe(common);
  const current = await readAfterAttaching(subscription, () => visibleOrder(ctx, args.id));
  subscription.startWith([{ view: current }]);
  return subscription;
}

function changedOrders(ctx: GraphQLContext, args: OrdersChangedArgs): AsyncIterable<OrderViewChange> {
  const scope = customerScope(signedIn(ctx), args.customerId);
  const after = resumePoint(args.afterPosition, 'afterPosition');
  // Another customer's orders: an empty feed, as if none existed, that never reads the log.
  if (scope === 'nothing') return ctx.orderChanges.subscribe({ filter: () => false });
  const { customerId } = scope;
  return ctx.orderChanges.subscribe({
    filter: ({ view }) =>
      (customerId === undefined || view.customerId === customerId) && (args.status == null || view.status === args.status),
    coalesceKey: orderIdOf,
    positionOf,
    // A customer's replay reads only that customer's orders (listed by the order view, which is at livePosition or past it).
    replay: {
      after,
      livePosition: () => ctx.projections.livePosition('orderView'),
      read: orderViewReplay(ctx.replayLog, {
        ordersOnly: customerId === undefined ? undefined : async () => ctx.orders.orderIdsOfCustomer(customerId),
      }),
    },
    onStalled: closeWhenStalled(ctx),
  });
}
