import { GraphQLSafeInt } from 'graphql-scalars';
import { requireRole } from '../../auth/access.js';
import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { orderStreamId } from '../../domain/order/index.js';
import type { GraphQLContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { Event, toEvent } from '../order/orderEvent.type.js';
import { EventConnection } from './eventConnection.type.js';

const MAX_PAGE_SIZE = 1000;

/** The global event feed, for audit and integration: reads the log itself, by position. */
@Resolver()
export class EventsResolver {
  @Query(() => EventConnection, {
    description: 'Events after a position, oldest first, optionally of some types or one order. Staff and admins.',
  })
  async events(
    @Arg('after', () => GraphQLSafeInt, { defaultValue: 0, description: 'A position; 0 for the start of the log.' })
    after: number,
    @Arg('first', () => Int, { defaultValue: 100, description: `1 to ${MAX_PAGE_SIZE}.` }) first: number,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types, e.g. ["OrderShipped"].' })
    types: string[] | undefined,
    @Arg('streamId', () => ID, { nullable: true, description: "Only this order's events (the order id)." })
    orderId: string | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<EventConnection> {
    const { userId } = requireRole(ctx, ['staff', 'admin'], 'read the event log');
    if (first < 1 || first > MAX_PAGE_SIZE) throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
    if (after < 0) throw badUserInput(`after must be a position (0 or more), got ${after}`, 'after');
    const events = await ctx.logReads.reading(userId, first + 1, () =>
      ctx.eventLog.readAll({
        afterPosition: after,
        limit: first + 1,
        types: types ?? undefined,
        streamId: orderId == null ? undefined : orderStreamId(orderId),
      }),
    );
    const page = events.slice(0, first).map(toEvent);
    return { nodes: page, hasNextPage: events.length > first, endPosition: page.at(-1)?.position ?? after };
  }

  @Query(() => [Event], {
    description:
      'Every event, of any stream, with this correlation id, oldest first (at most 1000): the story of one ' +
      'business transaction, e.g. an order, the stock it reserved and what was undone. Staff and admins.',
  })
  async correlation(@Arg('id', () => ID) correlationId: string, @Ctx() ctx: GraphQLContext): Promise<Event[]> {
    const { userId } = requireRole(ctx, ['staff', 'admin'], 'read the event log');
    const events = await ctx.logReads.reading(userId, MAX_PAGE_SIZE, () =>
      ctx.eventLog.readCorrelation(correlationId, { limit: MAX_PAGE_SIZE }),
    );
    return events.map(toEvent);
  }
}
