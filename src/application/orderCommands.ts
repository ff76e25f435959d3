import { ORDER_STREAM_TYPE, orderDecider, orderStreamId, type Order, type OrderCommand, type OrderEvent } from '../domain/order/index.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { AggregateCommands, type CommandObserver } from './aggregateCommands.js';
import type { SnapshotPolicy } from './snapshots/loadAggregate.js';

/** Runs Order commands against the event log: one stream per order. */
export class OrderCommands extends AggregateCommands<Order, OrderCommand, OrderEvent> {
  constructor(store: EventStore, snapshots?: SnapshotPolicy, observe?: CommandObserver) {
    super(
      store,
      { streamType: ORDER_STREAM_TYPE, decider: orderDecider },
      (command) => orderStreamId(command.data.orderId),
      snapshots,
      observe,
    );
  }
}
