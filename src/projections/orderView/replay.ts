import type { StoredEvent } from '../../eventstore/eventStore.js';
import { ORDER_STREAM_TYPE, orderStreamId } from '../../domain/order/index.js';
import { orderViewChangesOf } from './readModel.js';
import type { OrderViewChange } from './view.js';
import type { ReplayLog } from '../../subscriptions/countedReads.js';
import { pageOf } from '../../subscriptions/eventReplay.js';
import { REPLAY_PAGE_SIZE, type ReplaySource } from '../../subscriptions/replaySource.js';

/**
 * Replays order views from the log: for each Order event after a position, the view of its order
 * as of that event, exactly as the orderView projection announced it live. With `ordersOnly`, only
 * those orders' streams are read (e.g. one customer's, from the order view), never the rest of the log:
 * asked for each page, it must list every order placed up to the page's end (the view at `upTo` does).
 */
export function orderViewReplay(
  store: ReplayLog,
  { ordersOnly }: { ordersOnly?: () => Promise<string[]> } = {},
): ReplaySource<OrderViewChange> {
  // The list read for one page covers every later page up to the same end; a page further on reads it again.
  let listed: { upTo: number; streamIds: string[] } | undefined;
  const streamsUpTo = async (upTo: number) => {
    if (!ordersOnly) return undefined;
    if (!listed || listed.upTo < upTo) listed = { upTo, streamIds: (await ordersOnly()).map(orderStreamId) };
    return listed.streamIds;
  };
  return async (after, upTo) => {
    const streamIds = await streamsUpTo(upTo);
    if (streamIds?.length === 0) return { items: [], reached: upTo };
    const page = pageOf(await store.readAll({ afterPosition: after, limit: REPLAY_PAGE_SIZE, streamIds }), upTo);
    const orderEvents = page.items.filter((event) => event.streamType === ORDER_STREAM_TYPE);
    const wanted = new Set(orderEvents.map((event) => event.position));
    // Each order's history up to its last event here, one order after another: every stream stays in version order.
    const histories = await Promise.all([...byStream(orderEvents).values()].map((events) => historyThrough(store, events)));
    const changes = orderViewChangesOf(histories.flat())
      .filter((change) => wanted.has(change.view.position))
      .sort((a, b) => a.view.position - b.view.position);
    return { items: changes, reached: page.reached };
  };
}

/** Replays one order's views after `afterVersion` (its whole history for 0). */
export function singleOrderViewReplay(store: ReplayLog, orderId: string, afterVersion: number): ReplaySource<OrderViewChange> {
  return async (after, upTo) => {
    const changes = orderViewChangesOf(await store.readStream(orderStreamId(orderId)));
    const items = changes.filter(({ view }) => view.version > afterVersion && view.position > after && view.position <= upTo);
    return { items, reached: upTo };
  };
}

function byStream(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const streams = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const stream = streams.get(event.streamId);
    if (stream) stream.push(event);
    else streams.set(event.streamId, [event]);
  }
  return streams;
}

/**
 * One order's events from version 1 through the last of `events` (its consecutive events in a page).
 * A page that holds the order from its first event needs no other read.
 */
async function historyThrough(store: ReplayLog, events: StoredEvent[]): Promise<StoredEvent[]> {
  const [first, last] = [events[0]!, events.at(-1)!];
  if (first.version === 1) return events;
  return (await store.readStream(first.streamId)).filter((event) => event.version <= last.version);
}
