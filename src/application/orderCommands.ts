import { ORDER_STREAM_TYPE, orderDecider, orderStreamId, type OrderCommand, type OrderEvent } from '../domain/order/index.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { type CommandMetadata, type CommandResult, handleCommand, type HandleCommandOptions } from './handleCommand.js';

/** Runs Order commands against the event log. */
export class OrderCommands {
  constructor(private readonly store: EventStore) {}

  execute(
    command: OrderCommand,
    metadata: CommandMetadata,
    options: HandleCommandOptions = {},
  ): Promise<CommandResult<OrderEvent>> {
    const stream = { streamId: orderStreamId(command.data.orderId), streamType: ORDER_STREAM_TYPE };
    return handleCommand(this.store, orderDecider, stream, command, metadata, options);
  }
}
