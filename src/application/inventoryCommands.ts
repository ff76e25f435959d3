import {
  type InventoryCommand,
  type InventoryEvent,
  inventoryDecider,
  PRODUCT_STREAM_TYPE,
  type Product,
  productStreamId,
} from '../domain/inventory/index.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { AggregateCommands, type CommandObserver } from './aggregateCommands.js';
import type { SnapshotPolicy } from './snapshots/loadAggregate.js';

/** Runs inventory commands against the event log: one stream per product, snapshotted (they grow long). */
export class InventoryCommands extends AggregateCommands<Product, InventoryCommand, InventoryEvent> {
  constructor(store: EventStore, snapshots?: SnapshotPolicy, observe?: CommandObserver) {
    super(
      store,
      { streamType: PRODUCT_STREAM_TYPE, decider: inventoryDecider },
      (command) => productStreamId(command.data.productId),
      snapshots,
      observe,
    );
  }
}
