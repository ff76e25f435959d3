import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { pageInfoOf } from '../pageInfo.type.js';
import { decodeOrderCursor } from '../../projections/orderView/cursor.js';
import { orderViewAfter } from '../../projections/orderView/readModel.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { customerScope, signedIn } from '../../auth/access.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { canSeeOrder, orderNotFound } from './orderAccess.js';
import { Order, toOrder } from './order.type.js';
import { OrderConnection } from './orderConnection.type.js';
import { OrderEvent, toOrderEvent } from './orderEvent.type.js';
import { OrderStatus } from './orderStatus.enum.js';
import { openShipping } from './openShipping.js';
import { ShippingDetails } from './shippingDetails.type.js';

const MAX_PAGE_SIZE = 100;

/** Queries: they read the order_views tables; only history reads the event log. */
@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true, description: 'One order, or null when there is no such order.' })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Order | null> {
    signedIn(ctx);
    const view = await ctx.orders.getOrderView(id);
    return view && canSeeOrder(ctx, view) ? toOrder(view) : null;
  }

  @Query(() => OrderConnection, {
    description: 'Orders, newest first, optionally of one customer or status. A customer sees only its own.',
  })
  async orders(
    @Arg('customerId', () => ID, { nullable: true }) customerId: string | undefined,
    @Arg('status', () => OrderStatus, { nullable: true }) status: OrderStatus | undefined,
    @Arg('first', () => Int, { defaultValue: 20, description: `1 to ${MAX_PAGE_SIZE}.` }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' })
    after: string | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrderConnection> {
    if (first < 1 || first > MAX_PAGE_SIZE) {
      throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
    }
    const afterPosition = after == null ? undefined : decodeOrderCursor(after);
    if (after != null && afterPosition === undefined) {
      throw badUserInput(`after is not a cursor from this API: "${after}"`, 'after');
    }
    const scope = customerScope(signedIn(ctx), customerId);
    if (scope === 'nothing') return { edges: [], nodes: [], pageInfo: pageInfoOf([], false, after), totalCount: 0 };
    const filter = { customerId: scope.customerId, status: status ?? undefined };
    const page = await ctx.orders.listOrderViews(filter, first, afterPosition);
    const edges = page.nodes.map(({ view, cursor }) => ({ cursor, node: toOrder(view) }));
    return {
      edges,
      nodes: edges.map((edge) => edge.node),
      pageInfo: pageInfoOf(edges, page.hasNextPage, after),
      totalCount: page.totalCount,
    };
  }

  @Query(() => Order, {
    nullable: true,
    description:
      'Time travel: the order as it was at `asOf` and/or right after `version`, folded from its events in the log; ' +
      'null before the order existed.',
  })
  async orderAt(
    @Arg('id', () => ID) id: string,
    @Arg('asOf', () => GraphQLDateTime, { nullable: true }) asOf: Date | undefined,
    @Arg('version', () => Int, { nullable: true }) version: number | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Order | null> {
    if (version != null && version < 0) throw badUserInput(`version must be 0 or more, got ${version}`, 'version');
    const events = (await visibleHistory(ctx, id)).filter(
      (event) => (version == null || event.version <= version) && (asOf == null || Date.parse(event.metadata.occurredAt) <= asOf.getTime()),
    );
    const view = orderViewAfter(id, events);
    return view ? toOrder(view) : null;
  }

  @Query(() => [OrderEvent], { description: "An order's events from the event log, oldest first." })
  async orderHistory(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrderEvent[]> {
    const events = await visibleHistory(ctx, id);
    if (events.length === 0) throw orderNotFound(id);
    return events.map(toOrderEvent);
  }

  @FieldResolver(() => ShippingDetails, {
    nullable: true,
    description: "Where the order ships, opened with the customer's key for whoever may see the order; null when it was placed without.",
  })
  shipping(@Root() order: Order, @Ctx() ctx: GraphQLContext): Promise<ShippingDetails | null> {
    return openShipping(ctx.personalData, order.sealedShipping ?? null, order);
  }

  @FieldResolver(() => [OrderEvent])
  async history(@Root() order: Order, @Ctx() ctx: GraphQLContext): Promise<OrderEvent[]> {
    const events = await ctx.orderHistory(order.id);
    return events.filter((event) => event.version <= order.version).map(toOrderEvent);
  }
}

/** The order's events when the caller may see the order; none otherwise, as for a missing order. */
async function visibleHistory(ctx: GraphQLContext, orderId: string): Promise<StoredEvent[]> {
  signedIn(ctx);
  const events = await ctx.orderHistory(orderId);
  const placed = events[0]?.data as { customerId?: string } | undefined;
  return placed?.customerId !== undefined && canSeeOrder(ctx, { customerId: placed.customerId }) ? events : [];
}
