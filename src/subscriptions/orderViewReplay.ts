import type { EventStore } from '../eventstore/eventStore.js';
import { ORDER_STREAM_TYPE, orderStreamId } from '../domain/order/index.js';
import { orderViewChangesOf } from '../projections/orderView/timeTravel.js';
import type { OrderViewChange } from '../projections/orderView/view.js';
import { pageOf } from './eventReplay.js';
import { REPLAY_PAGE_SIZE, type ReplaySource } from './replaySource.js';

type Log = Pick<EventStore, 'readAll' | 'readStream'>;

/**
 * Replays order views from the log: for each Order event after a position, the view of its order
 * as of that event, exactly as the orderView projection announced it live.
 */
export function orderViewReplay(store: Log): ReplaySource<OrderViewChange> {
  return async (after, upTo) => {
    const page = pageOf(await store.readAll({ afterPosition: after, limit: REPLAY_PAGE_SIZE }), upTo);
    const orderEvents = page.items.filter((event) => event.streamType === ORDER_STREAM_TYPE);
    const wanted = new Set(orderEvents.map((event) => event.position));
    const streams = [...new Set(orderEvents.map((event) => event.streamId))];
    // Each order's whole history, one order after another: every stream stays in version order.
    const histories = await Promise.all(streams.map((streamId) => store.readStream(streamId)));
    const changes = orderViewChangesOf(histories.flat())
      .filter((change) => wanted.has(change.view.position))
      .sort((a, b) => a.view.position - b.view.position);
    return { items: changes, reached: page.reached };
  };
}

/** Replays one order's views after `afterVersion` (its whole history for 0). */
export function singleOrderViewReplay(store: Log, orderId: string, afterVersion: number): ReplaySource<OrderViewChange> {
  return async (after, upTo) => {
    const changes = orderViewChangesOf(await store.readStream(orderStreamId(orderId)));
    const items = changes.filter(({ view }) => view.version > afterVersion && view.position > after && view.position <= upTo);
    return { items, reached: upTo };
  };
}
