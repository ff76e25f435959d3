import fc from 'fast-check';
import { InventoryCommands } from '../../src/application/inventoryCommands.js';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { DomainError } from '../../src/domain/errors.js';
import type { InventoryCommand } from '../../src/domain/inventory/index.js';
import { type OrderCommand, type OrderLine, type OrderPlaced, orderStreamId } from '../../src/domain/order/index.js';
import type { EventStore, StoredEvent } from '../../src/eventstore/eventStore.js';

/**
 * Random command histories for the read-model properties: valid and refused commands mixed, over a
 * few orders, customers and products, run through the real command handlers on any event store.
 */

export const ORDER_IDS = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'];
export const UNKNOWN_ORDER = 'o-unknown';
export const CUSTOMER_IDS = ['c-1', 'c-2', 'c-3'];
/** Every product id a history names, in orders or in stock (besides a blank one, always refused). */
export const PRODUCT_IDS = ['p1', 'p2', 'p3', 'p-unknown'];
/** Command i runs at BASE_TIME + i minutes. */
export const BASE_TIME = Date.parse('2025-01-10T10:00:00.000Z');

/** A command as generated: the payment amount is resolved against the log when it runs. */
export type GeneratedCommand =
  | { kind: 'place'; command: Extract<OrderCommand, { type: 'PlaceOrder' }> }
  | { kind: 'pay'; orderId: string; amount: 'exact' | { offBy: number } | { fixed: number }; paymentId: string; method: string }
  | { kind: 'ship'; command: Extract<OrderCommand, { type: 'ShipOrder' }> }
  | { kind: 'cancel'; command: Extract<OrderCommand, { type: 'CancelOrder' }> }
  | { kind: 'inventory'; command: InventoryCommand };

const orderId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...ORDER_IDS) }, { weight: 1, arbitrary: fc.constant(UNKNOWN_ORDER) });
const now = fc.constant('placeholder'); // replaced with a deterministic clock when the command runs

const item = fc.record({
  productId: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('p1', 'p2', 'p3') }, { weight: 1, arbitrary: fc.constant(' ') }),
  name: fc.constantFrom('Widget', 'Gadget', 'Gizmo "deluxe"', 'Ünïcödé'),
  // 0, negatives and fractions are refused by the domain.
  quantity: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 2, arbitrary: fc.constantFrom(0, -1, 1.5) }),
  // cents; 0, negatives and unsafe integers are refused.
  unitPriceMinor: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, -100, 0.5, Number.MAX_SAFE_INTEGER) },
  ),
});

const validItem = fc.record({
  productId: fc.constantFrom('p1', 'p2', 'p3'),
  name: fc.constantFrom('Widget', 'Gadget'),
  quantity: fc.integer({ min: 1, max: 5 }),
  unitPriceMinor: fc.integer({ min: 1, max: 1_000_000 }),
});

const placeOrderWith = (items: fc.Arbitrary<OrderLine[]>, currency: fc.Arbitrary<string>) =>
  fc.record({
    kind: fc.constant('place' as const),
    command: fc.record({
      type: fc.constant('PlaceOrder' as const),
      data: fc.record({ orderId, customerId: fc.constantFrom(...CUSTOMER_IDS), items, currency, now }),
    }),
  });

const placeOrder = fc.oneof(
  // Mostly orders the domain accepts (unless the id is taken), so histories go on to pay, ship, cancel…
  { weight: 3, arbitrary: placeOrderWith(fc.array(validItem, { minLength: 1, maxLength: 4 }), fc.constantFrom('USD', 'EUR')) },
  // …and some that may break any rule: no items, quantity 0, price 0, bad currency.
  {
    weight: 1,
    arbitrary: placeOrderWith(
      fc.array(item, { minLength: 0, maxLength: 4 }),
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('USD', 'EUR') }, { weight: 1, arbitrary: fc.constant('usd') }),
    ),
  },
);

const receivePayment = fc.record({
  kind: fc.constant('pay' as const),
  orderId,
  amount: fc.oneof(
    { weight: 6, arbitrary: fc.constant('exact' as const) },
    { weight: 2, arbitrary: fc.record({ offBy: fc.constantFrom(-1, 1, 100) }) },
    { weight: 1, arbitrary: fc.record({ fixed: fc.integer({ min: -10, max: 10_000 }) }) },
  ),
  paymentId: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('pay-1', 'pay-2') }, { weight: 1, arbitrary: fc.constant('') }),
  method: fc.constantFrom('card', 'paypal'),
});

const shipOrder = fc.record({
  kind: fc.constant('ship' as const),
  command: fc.record({
    type: fc.constant('ShipOrder' as const),
    data: fc.record({
      orderId,
      trackingNumber: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('1Z999', 'T-2') }, { weight: 1, arbitrary: fc.constant('') }),
      carrier: fc.constantFrom('UPS', 'DHL'),
      // 2025-02-31 is not a day: refused.
      estimatedDelivery: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(null, '2025-01-15') },
        { weight: 1, arbitrary: fc.constant('2025-02-31') },
      ),
      now,
    }),
  }),
});

const cancelOrder = fc.record({
  kind: fc.constant('cancel' as const),
  command: fc.record({
    type: fc.constant('CancelOrder' as const),
    data: fc.record({
      orderId,
      reason: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom('changed my mind', 'out of stock') },
        { weight: 1, arbitrary: fc.constant('  ') },
      ),
      now,
    }),
  }),
});

// Stock of p1 and p2 (and an unknown product), reserved for the same orders: accepted, rejected and refused alike.
const productId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('p1', 'p2') }, { weight: 1, arbitrary: fc.constant('p-unknown') });
// Few orders, so that reservations, releases and commits meet the same order often.
const reservingOrder = fc.constantFrom('o-1', 'o-2', 'o-3');
const stockQuantity = (max: number) =>
  fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) });
const inventory = (command: InventoryCommand): GeneratedCommand => ({ kind: 'inventory', command });
// Catalog prices: mostly valid, in two currencies; 0 and a bad currency are refused.
const catalogPrice = fc.oneof(
  { weight: 9, arbitrary: fc.record({ amountMinor: fc.constantFrom(999, 2999, 4999), currency: fc.constantFrom('USD', 'EUR') }) },
  { weight: 1, arbitrary: fc.constantFrom({ amountMinor: 0, currency: 'USD' }, { amountMinor: 999, currency: 'usd' }) },
);

const inventoryCommand = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .record({
        productId,
        name: fc.oneof({ weight: 9, arbitrary: fc.constant('Widget') }, { weight: 1, arbitrary: fc.constant(' ') }),
        quantity: stockQuantity(8),
        price: fc.option(catalogPrice, { nil: null }),
        now,
      })
      .map((data) => inventory({ type: 'AddProduct', data })),
  },
  fc.record({ productId, price: catalogPrice, now }).map((data) => inventory({ type: 'ChangePrice', data })),
  fc.record({ productId, quantity: stockQuantity(4), now }).map((data) => inventory({ type: 'Restock', data })),
  {
    weight: 4,
    arbitrary: fc
      .record({ productId, orderId: reservingOrder, quantity: stockQuantity(5), now })
      .map((data) => inventory({ type: 'ReserveStock', data })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        productId,
        orderId: reservingOrder,
        end: fc.constantFrom('ReleaseReservation' as const, 'CommitReservation' as const),
        now,
      })
      .map(({ end, ...data }) => inventory({ type: end, data })),
  },
);

/** A reservation's whole life in a row (add, reserve, then release or commit), so every stock event occurs often. */
const stockStory = fc
  .record({
    productId,
    orderId: reservingOrder,
    quantity: stockQuantity(5),
    end: fc.constantFrom('ReleaseReservation' as const, 'CommitReservation' as const),
    now,
  })
  .map(({ productId, orderId, quantity, end, now }) => [
    inventory({ type: 'AddProduct', data: { productId, name: 'Widget', quantity: 5, now } }),
    inventory({ type: 'ReserveStock', data: { productId, orderId, quantity, now } }),
    inventory({ type: end, data: { productId, orderId, now } }),
  ]);

const one = (command: GeneratedCommand) => [command];

/**
 * A history with an order in every status (o-1 shipped, o-2 cancelled, o-3 paid, o-4 pending): a
 * property asserting that its runs met every status runs it besides the random ones, which meet
 * SHIPPED (place, pay and ship of one order in that order) in most runs but not all.
 */
export const EVERY_STATUS_HISTORY: GeneratedCommand[] = (() => {
  const place = (orderId: string): GeneratedCommand => ({
    kind: 'place',
    command: {
      type: 'PlaceOrder',
      data: {
        orderId,
        customerId: CUSTOMER_IDS[0]!,
        items: [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 999 }],
        currency: 'USD',
        now: 'placeholder',
      },
    },
  });
  const pay = (orderId: string): GeneratedCommand => ({ kind: 'pay', orderId, amount: 'exact', paymentId: 'pay-1', method: 'card' });
  return [
    ...['o-1', 'o-2', 'o-3', 'o-4'].map(place),
    pay('o-1'),
    pay('o-3'),
    {
      kind: 'ship',
      command: {
        type: 'ShipOrder',
        data: { orderId: 'o-1', trackingNumber: '1Z999', carrier: 'UPS', estimatedDelivery: null, now: 'placeholder' },
      },
    },
    { kind: 'cancel', command: { type: 'CancelOrder', data: { orderId: 'o-2', reason: 'changed my mind', now: 'placeholder' } } },
  ];
})();
export const commandSequence: fc.Arbitrary<GeneratedCommand[]> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: placeOrder.map(one) },
      { weight: 3, arbitrary: receivePayment.map(one) },
      { weight: 3, arbitrary: shipOrder.map(one) },
      { weight: 1, arbitrary: cancelOrder.map(one) },
      { weight: 3, arbitrary: inventoryCommand.map(one) },
      { weight: 1, arbitrary: stockStory },
    ),
    { minLength: 10, maxLength: 60, size: 'max' },
  )
  .map((chunks) => chunks.flat());

/**
 * Runs `commands` on `store` through the real OrderCommands and InventoryCommands, command i at
 * BASE_TIME + i minutes, so the same history writes the same log on any store. `afterAccepted`
 * gets each accepted command's last position; refusals (DomainError) are counted, anything else thrown.
 */
export async function runHistory(
  store: EventStore,
  commands: GeneratedCommand[],
  afterAccepted: (lastPosition: number) => Promise<void> = async () => {},
): Promise<{ accepted: number; refused: number }> {
  const orderCommands = new OrderCommands(store);
  const inventoryCommands = new InventoryCommands(store);
  const counts = { accepted: 0, refused: 0 };
  for (const [index, generated] of commands.entries()) {
    const time = new Date(BASE_TIME + index * 60_000).toISOString();
    const metadata = { userId: 'prop', correlationId: `prop-${index}`, commandId: `cmd-${index}`, occurredAt: time };
    let lastPosition: number;
    try {
      ({ lastPosition } =
        generated.kind === 'inventory'
          ? await inventoryCommands.execute(
              { ...generated.command, data: { ...generated.command.data, now: time } } as InventoryCommand,
              metadata,
            )
          : await orderCommands.execute(await toCommand(generated, store, time), metadata));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      counts.refused++;
      continue;
    }
    counts.accepted++;
    await afterAccepted(lastPosition);
  }
  return counts;
}

async function toCommand(
  generated: Exclude<GeneratedCommand, { kind: 'inventory' }>,
  store: EventStore,
  time: string,
): Promise<OrderCommand> {
  switch (generated.kind) {
    case 'place':
    case 'ship':
    case 'cancel':
      return { ...generated.command, data: { ...generated.command.data, now: time } } as OrderCommand;
    case 'pay': {
      // The right amount is the total the log holds for the order (0 when it was never placed).
      const history = await store.readStream(orderStreamId(generated.orderId));
      const placed = history.find((event) => event.type === 'OrderPlaced') as (StoredEvent & { data: OrderPlaced['data'] }) | undefined;
      const total = placed?.data.totalMinor ?? 0;
      const amountMinor =
        generated.amount === 'exact' ? total : 'offBy' in generated.amount ? total + generated.amount.offBy : generated.amount.fixed;
      return {
        type: 'ReceivePayment',
        data: { orderId: generated.orderId, paymentId: generated.paymentId, amountMinor, scale: 2, method: generated.method, now: time },
      };
    }
  }
}

/** The whole log, in position order. */
export async function readWholeLog(store: EventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll({ afterPosition: events.at(-1)?.position ?? 0, limit: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}
