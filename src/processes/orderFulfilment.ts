import { commandFingerprint } from '../application/commandFingerprint.js';
import type { CommandResult } from '../application/handleCommand.js';
import { processIdempotencyKey } from '../application/idempotencyKeys.js';
import type { InventoryCommands } from '../application/inventoryCommands.js';
import type { OrderCommands } from '../application/orderCommands.js';
import { DomainError } from '../domain/errors.js';
import type { InventoryCommand } from '../domain/inventory/index.js';
import { type OrderEvent, type OrderPlaced, orderStreamId } from '../domain/order/index.js';
import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import type { ProcessDefinition } from './process.js';

export const ORDER_FULFILMENT = 'orderFulfilment';
const USER_ID = `process:${ORDER_FULFILMENT}`;
/** Reservations of a popular product race each other: retry lost races more than a client would. */
const MAX_ATTEMPTS = 20;

type Line = { productId: string; quantity: number };

/**
 * Inventory reacts to orders. OrderPlaced → reserve each line whose product inventory manages (one
 * reservation per product, quantities summed); if any is rejected, release those made and cancel the
 * order "out of stock: <product ids>". OrderCancelled → release; OrderShipped → commit.
 *
 * Every command's idempotency key is derived from the triggering event's id, and carries its
 * correlationId with causationId = that event's id.
 */
export function orderFulfilmentProcess(deps: {
  store: EventStore;
  orders: OrderCommands;
  inventory: InventoryCommands;
  /** The time its commands happen at (ISO 8601); the wall clock unless given (`seed` simulates past days). */
  clock?: () => string;
}): ProcessDefinition {
  const clock = deps.clock ?? (() => new Date().toISOString());
  /** Who sends the commands a trigger causes, and the idempotency key of each step. */
  const sentBy = (trigger: StoredEvent, step: string, input: object, now: string) => ({
    metadata: { userId: USER_ID, correlationId: trigger.metadata.correlationId, causationId: trigger.eventId, occurredAt: now },
    options: {
      idempotency: { key: processIdempotencyKey(trigger.eventId, step), fingerprint: commandFingerprint(USER_ID, step, input) },
      maxAttempts: MAX_ATTEMPTS,
    },
  });

  const inventory = (trigger: StoredEvent, step: string, command: InventoryCommand) => {
    const { now, ...input } = command.data;
    const { metadata, options } = sentBy(trigger, step, input, now);
    return outcomeOf(deps.inventory.execute(command, metadata, options));
  };

  const linesOf = async (orderId: string): Promise<Line[]> => {
    const [placed] = await deps.store.readStream(orderStreamId(orderId));
    return placed?.type === 'OrderPlaced' ? mergeLines(placed.data as OrderPlaced['data']) : [];
  };

  const handleEvent = async (event: StoredEvent): Promise<void> => {
    const now = clock();
    if (event.type === 'OrderPlaced') {
      const { orderId } = event.data as OrderPlaced['data'];
      const reserved: string[] = [];
      const rejected: string[] = [];
      for (const { productId, quantity } of mergeLines(event.data as OrderPlaced['data'])) {
        const reserve = { type: 'ReserveStock', data: { productId, orderId, quantity, now } } as const;
        const result = await inventory(event, `reserve:${productId}`, reserve);
        if (result?.events.some((change) => change.type === 'StockReservationRejected')) rejected.push(productId);
        else if (result?.events.some((change) => change.type === 'StockReserved')) reserved.push(productId);
      }
      if (rejected.length === 0) return;
      for (const productId of reserved) {
        await inventory(event, `release:${productId}`, { type: 'ReleaseReservation', data: { productId, orderId, now } });
      }
      const cancel = { orderId, reason: `out of stock: ${rejected.join(', ')}` };
      const { metadata, options } = sentBy(event, 'cancel', cancel, now);
      await outcomeOf(deps.orders.execute({ type: 'CancelOrder', data: { ...cancel, now } }, metadata, options));
      return;
    }
    const { orderId } = event.data as { orderId: string };
    const [type, step] = event.type === 'OrderShipped' ? (['CommitReservation', 'commit'] as const) : (['ReleaseReservation', 'release'] as const);
    for (const { productId } of await linesOf(orderId)) {
      await inventory(event, `${step}:${productId}`, { type, data: { productId, orderId, now } });
    }
  };

  return {
    name: ORDER_FULFILMENT,
    handles: ['OrderPlaced', 'OrderCancelled', 'OrderShipped'] satisfies OrderEvent['type'][],
    // Each order's commands, then its checkpoint: a crash repeats at most one order's commands.
    batchSize: 1,
    // An order the process cannot handle is set aside; every other order goes on.
    parkKey: (event) => event.streamId,
    async handle(events) {
      for (const event of events) await handleEvent(event);
    },
  };
}

/** A business refusal (unknown product, order already shipped, …) is an outcome: nothing to do. */
async function outcomeOf<Event>(command: Promise<CommandResult<Event>>): Promise<CommandResult<Event> | undefined> {
  try {
    return await command;
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

/** One line per product, in the order's order: an order may list a product twice. */
function mergeLines(placed: OrderPlaced['data']): Line[] {
  const quantities = new Map<string, number>();
  for (const item of placed.items) quantities.set(item.productId, (quantities.get(item.productId) ?? 0) + item.quantity);
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity }));
}
