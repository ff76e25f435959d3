import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { requireRole, signedIn } from '../../auth/access.js';
import { orderStreamId } from '../../domain/order/index.js';
import type { ReadAllOptions, StoredEvent } from '../../eventstore/eventStore.js';
import { eventReplay } from '../../subscriptions/eventReplay.js';
import type { FeedSubscription } from '../../subscriptions/feedSubscription.js';
import type { GraphQLContext } from '../context.js';
import { visibleOrder } from '../order/orderAccess.js';
import { Event, toEvent } from '../order/orderEvent.type.js';
import { resumePoint } from '../resumePoint.js';
import { closeWhenStalled } from '../slowSubscribers.js';

type EventsArgs = { afterPosition?: number | null; types?: string[] | null };
type OrderEventsArgs = { orderId: string; afterPosition?: number | null };

const RESUME = 'The position of the last event received, to resume; omit it for events from now on.';

/** The raw event feeds: every event after a position, replayed from the log, then live as they are appended. */
@Resolver()
export class EventSubscriptionsResolver {
  @Subscription(() => Event, {
    name: 'events',
    description:
      'Every event of the log (optionally of some types) after afterPosition, replayed from the log, then live; ' +
      'in position order, no gap, no repeat. A subscriber that stops reading while far behind is disconnected ' +
      'with close code 4503: resubscribe with the last position received. Staff and admins.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, EventsArgs, GraphQLContext>) => {
      requireRole(context, ['staff', 'admin'], 'read the event log');
      return eventFeed(context, args.afterPosition, { types: args.types ?? undefined });
    },
  })
  eventsFeed(
    @Arg('afterPosition', () => GraphQLSafeInt, { nullable: true, description: RESUME }) _afterPosition: number | undefined,
    @Arg('types', () => [String], { nullable: true, description: 'Only these event types, e.g. ["OrderShipped"].' })
    _types: string[] | undefined,
    @Root() event: StoredEvent,
  ): Event {
    return toEvent(event);
  }

  @Subscription(() => Event, {
    description:
      "One order's events after afterPosition, replayed from the log, then live, as `events` does: its audit " +
      'trail as it grows. NOT_FOUND for an unknown order.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, OrderEventsArgs, GraphQLContext>) => {
      signedIn(context);
      // Only a check: no message comes from the read model, so there is no seam with the feed to keep.
      await visibleOrder(context, args.orderId);
      return eventFeed(context, args.afterPosition, { streamId: orderStreamId(args.orderId) });
    },
  })
  orderEvents(
    @Arg('orderId', () => ID) _orderId: string,
    @Arg('afterPosition', () => GraphQLSafeInt, { nullable: true, description: RESUME }) _afterPosition: number | undefined,
    @Root() event: StoredEvent,
  ): Event {
    return toEvent(event);
  }
}

function eventFeed(
  ctx: GraphQLContext,
  afterPosition: number | null | undefined,
  narrow: Pick<ReadAllOptions, 'types' | 'streamId'>,
): Promise<FeedSubscription<StoredEvent>> {
  const after = resumePoint(afterPosition, 'afterPosition');
  const types = narrow.types && new Set(narrow.types);
  return ctx.eventFeed.subscribe({
    filter: (event) => (!types || types.has(event.type)) && (narrow.streamId === undefined || event.streamId === narrow.streamId),
    positionOf: (event) => event.position,
    replay: { after, livePosition: () => ctx.eventFeed.position, read: eventReplay(ctx.replayLog, narrow) },
    onStalled: closeWhenStalled(ctx),
  });
}
