import { commandFingerprint } from '../application/commandFingerprint.js';
import type { CommandResult } from '../application/handleCommand.js';
import { processIdempotencyKey } from '../application/idempotencyKeys.js';
import type { InventoryCommands } from '../application/inventoryCommands.js';
import type { OrderCommands } from '../application/orderCommands.js';
import type { UnitOfWork } from '../application/unitOfWork.js';
import { DomainError } from '../domain/errors.js';
import { type InventoryCommand, type InventoryEvent, type Product, productStreamId } from '../domain/inventory/index.js';
import { type OrderEvent, type OrderPlaced, orderStreamId } from '../domain/order/index.js';
import { ExpectedVersionConflictError } from '../eventstore/errors.js';
import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import type { ProcessDefinition } from './process.js';
import { startingPosition } from './startingPosition.js';
import { stepTraceparent, withStepSpans } from './stepSpans.js';

export const ORDER_FULFILMENT = 'orderFulfilment';
const USER_ID = `process:${ORDER_FULFILMENT}`;
/** Triggers per batch: each product they touch costs one append per batch, however many orders hold it. */
const BATCH_SIZE = 200;
/** A batch whose products another writer changed meanwhile (a restock) is decided again. */
const MAX_ATTEMPTS = 20;

type Line = { productId: string; quantity: number };
type Inventory = UnitOfWork<Product, InventoryCommand, InventoryEvent>;
/** A trigger and the lines of its order. */
type Plan = { trigger: StoredEvent; orderId: string; lines: Line[] };

/**
 * Inventory reacts to orders. OrderPlaced → reserve each line whose product inventory manages (one
 * reservation per product, quantities summed); if any is rejected, release those made and cancel the
 * order "out of stock: <product ids>". OrderCancelled → release; OrderShipped → commit.
 *
 * A batch of triggers is decided together, in log order, as one command per trigger would be: every
 * product it touches is loaded once, each trigger's steps are decided on the state the earlier ones
 * left, and each product gets one append (see UnitOfWork). So a product in every order of a sale
 * costs one append per batch, not one contended command per order.
 *
 * Every step's idempotency key is derived from the triggering event's id (`<event id>:reserve:<id>`,
 * as ever, so older logs' steps are recognised), and carries its correlationId with causationId =
 * that event's id. A step found by its key is what it decided then: a repeated or late trigger
 * changes nothing.
 */
export function orderFulfilmentProcess(deps: {
  store: EventStore;
  orders: OrderCommands;
  inventory: InventoryCommands;
  /** The time its commands happen at (ISO 8601); the wall clock unless given (`seed` simulates past days). */
  clock?: () => string;
}): ProcessDefinition {
  const clock = deps.clock ?? (() => new Date().toISOString());
  /** Who sends the command a trigger causes, and the idempotency key of the step. */
  const sentBy = (trigger: StoredEvent, step: string, input: object, now: string) => {
    const traceparent = stepTraceparent(trigger);
    return {
      userId: USER_ID,
      correlationId: trigger.metadata.correlationId,
      causationId: trigger.eventId,
      commandId: processIdempotencyKey(trigger.eventId, step),
      commandFingerprint: commandFingerprint(USER_ID, step, input),
      occurredAt: now,
      ...(traceparent !== undefined && { traceparent }),
    };
  };

  /** The step's outcome on the product; undefined for a refusal (a product inventory does not manage). */
  const stepOn = (inventory: Inventory, trigger: StoredEvent, step: string, command: InventoryCommand) => {
    const { now, ...input } = command.data;
    try {
      return inventory.decide({ streamId: productStreamId(command.data.productId), command, metadata: sentBy(trigger, step, input, now) });
    } catch (error) {
      if (error instanceof DomainError) return undefined;
      throw error;
    }
  };

  /** Each trigger's lines: an OrderPlaced carries them; a later trigger finds them in the batch or the order's stream. */
  const plansOf = async (triggers: readonly StoredEvent[]): Promise<Plan[]> => {
    const placed = new Map<string, Line[]>();
    for (const trigger of triggers) {
      if (trigger.type === 'OrderPlaced') placed.set(orderIdOf(trigger), mergeLines(trigger.data as OrderPlaced['data']));
    }
    return Promise.all(
      triggers.map(async (trigger) => {
        const orderId = orderIdOf(trigger);
        return { trigger, orderId, lines: placed.get(orderId) ?? (await linesOf(orderId)) };
      }),
    );
  };

  const linesOf = async (orderId: string): Promise<Line[]> => {
    const [placed] = await deps.store.readStream(orderStreamId(orderId));
    return placed?.type === 'OrderPlaced' ? mergeLines(placed.data as OrderPlaced['data']) : [];
  };

  /** Every key a plan's steps may use: looked up at once, before deciding any. */
  const keysOf = ({ trigger, lines }: Plan): string[] => {
    const steps =
      trigger.type === 'OrderPlaced'
        ? [...lines.flatMap(({ productId }) => [`reserve:${productId}`, `release:${productId}`]), 'cancel']
        : lines.map(({ productId }) => `${trigger.type === 'OrderShipped' ? 'commit' : 'release'}:${productId}`);
    return steps.map((step) => processIdempotencyKey(trigger.eventId, step));
  };

  /** Decides one trigger's steps; the cancellation an out-of-stock order needs, if any. */
  const decideTrigger = (inventory: Inventory, { trigger, orderId, lines }: Plan, now: string) => {
    if (trigger.type !== 'OrderPlaced') {
      const [type, step] =
        trigger.type === 'OrderShipped' ? (['CommitReservation', 'commit'] as const) : (['ReleaseReservation', 'release'] as const);
      for (const { productId } of lines) stepOn(inventory, trigger, `${step}:${productId}`, { type, data: { productId, orderId, now } });
      return undefined;
    }
    const reserved: string[] = [];
    const rejected: string[] = [];
    for (const { productId, quantity } of lines) {
      const outcome = stepOn(inventory, trigger, `reserve:${productId}`, {
        type: 'ReserveStock',
        data: { productId, orderId, quantity, now },
      });
      if (outcome?.eventTypes.includes('StockReservationRejected')) rejected.push(productId);
      else if (outcome?.eventTypes.includes('StockReserved')) reserved.push(productId);
    }
    if (rejected.length === 0) return undefined;
    for (const productId of reserved) {
      stepOn(inventory, trigger, `release:${productId}`, { type: 'ReleaseReservation', data: { productId, orderId, now } });
    }
    return { trigger, cancel: { orderId, reason: `out of stock: ${rejected.join(', ')}` } };
  };

  const cancelOrder = async ({ trigger, cancel }: { trigger: StoredEvent; cancel: { orderId: string; reason: string } }, now: string) => {
    const { commandId, commandFingerprint: fingerprint, ...metadata } = sentBy(trigger, 'cancel', cancel, now);
    await outcomeOf(
      deps.orders.execute({ type: 'CancelOrder', data: { ...cancel, now } }, metadata, {
        idempotency: { key: commandId, fingerprint },
        maxAttempts: MAX_ATTEMPTS,
      }),
    );
  };

  const handleBatch = async (plans: readonly Plan[]): Promise<void> => {
    const now = clock();
    const productIds = plans.flatMap(({ lines }) => lines.map(({ productId }) => productStreamId(productId)));
    const inventory = await deps.inventory.unitOfWork(productIds, plans.flatMap(keysOf));
    const cancellations = plans.map((plan) => decideTrigger(inventory, plan, now)).filter((cancel) => cancel !== undefined);
    await inventory.commit();
    // After the releases they follow, as one trigger at a time would; each order's own stream.
    await Promise.all(cancellations.map((cancellation) => cancelOrder(cancellation, now)));
  };

  const handles = ['OrderPlaced', 'OrderCancelled', 'OrderShipped'] satisfies OrderEvent['type'][];
  return {
    name: ORDER_FULFILMENT,
    handles,
    // A batch's commands, then its checkpoint: a crash repeats at most one batch, every step a no-op by its key.
    batchSize: BATCH_SIZE,
    // An order the process cannot handle is set aside; every other order goes on.
    parkKey: (event) => event.streamId,
    // A new instance or an imported log: not every order of history again, as no-ops.
    startingPosition: (store) => startingPosition(store, { userId: USER_ID, handles, batchSize: BATCH_SIZE }),
    handle: (triggers) =>
      withStepSpans(ORDER_FULFILMENT, triggers, async () => {
        const plans = await plansOf(triggers);
        for (let attempt = 1; ; attempt++) {
          try {
            return await handleBatch(plans);
          } catch (error) {
            // Another writer appended to one of its products: decide again on the newer state (what
            // this attempt appended is found by its keys). A random wait keeps racers out of step.
            if (!(error instanceof ExpectedVersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(attempt, 8)));
          }
        }
      }),
  };
}

const orderIdOf = (trigger: StoredEvent): string => (trigger.data as { orderId: string }).orderId;

/** A business refusal (order already shipped, …) is an outcome: nothing to do. */
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
