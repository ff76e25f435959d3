import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
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
    const changes = (await Promise.all(streams.map((streamId) => changesOf(store, streamId))))
      .flat()
      .filter((change) => wanted.has(change.view.position))
      .sort((a, b) => a.view.position - b.view.position);
    return { items: changes, reached: page.reached };
  };
}

/** Replays one order's views after `afterVersion` (its whole history for 0). */
export function singleOrderViewReplay(store: Log, orderId: string, afterVersion: number): ReplaySource<OrderViewChange> {
  return async (after, upTo) => {
    const changes = await changesOf(store, orderStreamId(orderId));
    const items = changes.filter(({ view }) => view.version > afterVersion && view.position > after && view.position <= upTo);
    return { items, reached: upTo };
  };
}

async function changesOf(store: Log, streamId: string): Promise<OrderViewChange[]> {
  const history: StoredEvent[] = await store.readStream(streamId);
  return orderViewChangesOf(history);
}
