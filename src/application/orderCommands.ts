import {
  ORDER_STREAM_TYPE,
  orderDecider,
  orderStreamId,
  type Order,
  type OrderCommand,
  type OrderEvent,
} from '../domain/order/index.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { eventSchemas } from './eventSchemas.js';
import { type Aggregate, type CommandMetadata, type CommandResult, handleCommand, type HandleCommandOptions } from './handleCommand.js';
import type { SnapshotPolicy } from './snapshots/loadAggregate.js';

/** Runs Order commands against the event log. */
export class OrderCommands {
  private readonly aggregate: Aggregate<Order, OrderCommand, OrderEvent>;

  constructor(
    private readonly store: EventStore,
    snapshots?: SnapshotPolicy,
  ) {
    this.aggregate = {
      streamType: ORDER_STREAM_TYPE,
      decider: orderDecider,
      schemaVersionOf: (type) => eventSchemas.currentVersion(type),
      snapshots,
    };
  }

  execute(
    command: OrderCommand,
    metadata: CommandMetadata,
    options: HandleCommandOptions<Order> = {},
  ): Promise<CommandResult<OrderEvent>> {
    return handleCommand(this.store, this.aggregate, orderStreamId(command.data.orderId), command, metadata, options);
  }
}
