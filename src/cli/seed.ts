import type { CommandMetadata } from '../application/handleCommand.js';
import { InventoryCommands } from '../application/inventoryCommands.js';
import { OrderCommands } from '../application/orderCommands.js';
import { PRODUCT_STATE_SCHEMA_VERSION } from '../domain/inventory/index.js';
import { amountScaleOf, formatAmountMinor } from '../domain/money.js';
import { ORDER_STATE_SCHEMA_VERSION, type OrderPlaced, orderStreamId } from '../domain/order/index.js';
import { fallbackLogger } from '../logging/logger.js';
import { isoNow } from '../clock/clock.js';
import { ManualClock } from '../clock/manualClock.js';
import { IllegalStateError } from '../domain/errors.js';
import { ORDER_FULFILMENT, orderFulfilmentProcess } from '../processes/orderFulfilment.js';
import { ParkedTriggers } from '../processes/parkedTriggers.js';
import { UnpaidOrders } from '../processes/unpaidOrders.js';
import { PAYMENT_EXPIRY, PaymentExpiry } from '../processes/paymentExpiry.js';
import { ProcessCheckpoints } from '../processes/processCheckpoints.js';
import { ProcessRunner } from '../processes/processRunner.js';
import type { ReadSideEngine } from '../projections/contracts.js';
import { DEFAULT_CONFIG, type ServerConfig } from '../server/config.js';
import { openApp } from '../server/openApp.js';
import { logLocation } from './logLocation.js';
import { progressReporter } from './progressBar.js';
import { planSeed, type SeedAction, type SeedOptions } from './seedPlan.js';

type Status = 'pending' | 'paid' | 'shipped' | 'cancelled';

export type SeedSummary = {
  orders: number;
  customers: number;
  products: number;
  byStatus: Record<Status, number>;
  /** Cancelled by the order process because a product ran out. */
  outOfStock: number;
  /** Cancelled by the paymentExpiry process: not paid within the payment timeout. */
  expired: number;
  events: number;
  /** Exact amounts in cents, per currency. */
  paymentsMinor: Record<string, number>;
  refundsMinor: Record<string, number>;
};

/**
 * Fills an empty event log with the demo data set of `options` (see seedPlan.ts) through the real
 * command path: the application's order and inventory commands, each with a user, a correlation id
 * per order and the planned time, and the orderFulfilment process reacting to every order as the
 * server would (reservations, releases, commits, out-of-stock cancellations), with its checkpoint
 * saved, so a server started later has nothing left to do. The paymentExpiry process runs too, on a
 * clock that follows the plan's time: an order still unpaid `paymentTimeoutMs` after it was placed
 * is cancelled "payment not received" at its deadline, and a payment or cancellation the plan has for
 * it later is refused, as a server would have done on those days. Orders placed within the timeout
 * before now stay pending, their deadlines recorded for the server that starts next. Then builds
 * the read models. Refuses a log that holds events. Run it while no server uses the file. With DATABASE_URL (`postgres`) the
 * log and the read models are in PostgreSQL, and the snapshots and the process's checkpoint in
 * `databaseFile`, as a server's. Progress on stderr; returns the summary.
 */
export async function seedDatabase(
  config: Pick<ServerConfig, 'databaseFile' | 'synchronous' | 'snapshotEvery' | 'postgres'> &
    Partial<Pick<ServerConfig, 'paymentTimeoutMs'>>,
  options: SeedOptions,
): Promise<SeedSummary> {
  const app = await openApp(config);
  const { db, store, snapshotsOf } = app;
  const where = logLocation(config.databaseFile, config.postgres);
  try {
    const existing = await store.headPosition();
    if (existing > 0) {
      throw new Error(
        `${where} holds ${existing.toLocaleString('en-US')} events already; seed fills an empty log ` +
          `(point ${config.postgres ? 'DATABASE_SCHEMA at a new schema' : 'ORDERSTREAM_DB at a new file'})`,
      );
    }
    const orders = new OrderCommands(store, snapshotsOf(ORDER_STATE_SCHEMA_VERSION));
    const inventory = new InventoryCommands(store, snapshotsOf(PRODUCT_STATE_SCHEMA_VERSION));
    const seedNow = Math.floor(Date.now() / 1000) * 1000;
    const plan = planSeed(options, seedNow);
    // The simulated time: the action's, for the processes' reactions as for the action itself, and
    // a deadline's while the orders due then expire.
    const clock = new ManualClock(plan.actions[0]?.at ?? seedNow);
    let now = '';
    const fulfilment = new ProcessRunner(
      orderFulfilmentProcess({ store, orders, inventory, clock: () => isoNow(clock) }),
      store,
      new ProcessCheckpoints(db),
      new ParkedTriggers(db),
      fallbackLogger(),
    );
    const paymentExpiry = new PaymentExpiry({
      unpaidOrders: new UnpaidOrders(db),
      orders,
      clock,
      timeoutMs: config.paymentTimeoutMs ?? DEFAULT_CONFIG.paymentTimeoutMs,
      logger: fallbackLogger(),
    });
    const expiry = new ProcessRunner(paymentExpiry.process, store, new ProcessCheckpoints(db), new ParkedTriggers(db), fallbackLogger());
    paymentExpiry.start();
    const status = new Map<string, Status>();
    const totals = new Map<string, { totalMinor: number; currency: string }>();
    const summary: SeedSummary = {
      orders: options.orders,
      customers: plan.customerIds.length,
      products: plan.productIds.length,
      byStatus: { pending: 0, paid: 0, shipped: 0, cancelled: 0 },
      outOfStock: 0,
      expired: 0,
      events: 0,
      paymentsMinor: {},
      refundsMinor: {},
    };
    const add = (sums: Record<string, number>, currency: string, amountMinor: number) =>
      (sums[currency] = (sums[currency] ?? 0) + amountMinor);

    /** Whether the command ran; false when the order had expired meanwhile (a pending order's command is then refused). */
    const unlessExpired = async (orderId: string, command: () => Promise<unknown>): Promise<boolean> => {
      try {
        await command();
        return true;
      } catch (error) {
        if (!(error instanceof IllegalStateError && error.details.status === 'CANCELLED' && status.get(orderId) === 'pending')) throw error;
        status.set(orderId, 'cancelled');
        summary.expired += 1;
        return false;
      }
    };

    const run = async (action: SeedAction): Promise<void> => {
      await expireUntil(action.at);
      now = new Date(action.at).toISOString();
      const as = (userId: string, correlationId: string): CommandMetadata => ({ userId, correlationId, occurredAt: now });
      switch (action.kind) {
        case 'addProduct': {
          const { productId, name, quantity, unitPriceMinor, currency } = action;
          const price = { amountMinor: unitPriceMinor, currency };
          await inventory.execute(
            { type: 'AddProduct', data: { productId, name, quantity, price, now } },
            as('staff', `seed-product-${productId}`),
          );
          return;
        }
        case 'restock': {
          const { productId, quantity } = action;
          await inventory.execute(
            { type: 'Restock', data: { productId, quantity, now } },
            as('staff', `seed-restock-${productId}-${action.at}`),
          );
          return;
        }
        case 'place': {
          const { orderId, customerId, currency, items } = action;
          const result = await orders.execute(
            { type: 'PlaceOrder', data: { orderId, customerId, currency, items, now } },
            as(`user-${customerId}`, `seed-${orderId}`),
          );
          totals.set(orderId, { totalMinor: (result.events[0] as OrderPlaced).data.totalMinor, currency });
          status.set(orderId, 'pending');
          // The order process reserves its stock now, as a running server would, or cancels it.
          await catchUp();
          const events = await store.readStream(orderStreamId(orderId));
          if (events.some((event) => event.type === 'OrderCancelled')) {
            status.set(orderId, 'cancelled');
            summary.outOfStock += 1;
          }
          return;
        }
        case 'pay': {
          if (status.get(action.orderId) !== 'pending') return; // cancelled for lack of stock
          const { orderId, paymentId, method } = action;
          const { totalMinor, currency } = totals.get(orderId)!;
          // The payment provider confirms it (a staff service); one that comes after the deadline is refused.
          const received = await unlessExpired(orderId, () =>
            orders.execute(
              {
                type: 'ReceivePayment',
                data: { orderId, paymentId, amountMinor: totalMinor, scale: amountScaleOf(currency), method, now },
              },
              as('payment-provider', `seed-${orderId}`),
            ),
          );
          if (!received) return catchUp();
          add(summary.paymentsMinor, currency, totalMinor);
          status.set(orderId, 'paid');
          return catchUp(); // the expiry process forgets the order's deadline
        }
        case 'ship': {
          if (status.get(action.orderId) !== 'paid') return;
          const { orderId, trackingNumber, carrier, estimatedDelivery } = action;
          await orders.execute(
            { type: 'ShipOrder', data: { orderId, trackingNumber, carrier, estimatedDelivery, now } },
            as('staff', `seed-${orderId}`),
          );
          status.set(orderId, 'shipped');
          return catchUp();
        }
        case 'cancel': {
          const before = status.get(action.orderId);
          if (before !== 'pending' && before !== 'paid') return;
          const { orderId, reason } = action;
          const userId = action.by === 'customer' ? `user-${action.customerId}` : 'staff';
          const cancel = () => orders.execute({ type: 'CancelOrder', data: { orderId, reason, now } }, as(userId, `seed-${orderId}`));
          if (!(await unlessExpired(orderId, cancel))) return catchUp();
          if (before === 'paid') add(summary.refundsMinor, totals.get(orderId)!.currency, totals.get(orderId)!.totalMinor);
          status.set(orderId, 'cancelled');
          return catchUp();
        }
        default: {
          const _exhaustive: never = action;
          throw new Error(`Unknown seed action ${JSON.stringify(_exhaustive)}`);
        }
      }
    };
    const catchUp = async (): Promise<void> => {
      for (const [name, runner] of [
        [ORDER_FULFILMENT, fulfilment],
        [PAYMENT_EXPIRY, expiry],
      ] as const) {
        await runner.catchUp();
        if (runner.failed) {
          const { lastError } = await runner.status();
          throw new Error(`The ${name} process stopped at event ${lastError?.position}: ${lastError?.message}`);
        }
      }
    };
    /**
     * Moves the clock to `at`, one deadline at a time: the orders due then expire at their deadline,
     * and orderFulfilment releases their stock at that time too.
     */
    const expireUntil = async (at: number): Promise<void> => {
      for (let next = paymentExpiry.nextDeadline(); next !== undefined && next <= at; next = paymentExpiry.nextDeadline()) {
        await clock.advanceTo(next);
        await catchUp();
        if (paymentExpiry.nextDeadline() === next)
          throw new Error(`The ${PAYMENT_EXPIRY} process could not expire the orders due at ${new Date(next).toISOString()}`);
      }
      await clock.advanceTo(at);
    };

    console.error(
      `Seeding ${where}: ${options.orders.toLocaleString('en-US')} orders of ${summary.customers} customers ` +
        `over ${options.days ?? 30} days (seed ${options.seed})`,
    );
    const progress = progressReporter(process.stderr, 'commands');
    for (const [index, action] of plan.actions.entries()) {
      await run(action);
      progress.update(index + 1, plan.actions.length);
    }
    await catchUp(); // past the last events, which it does not react to
    await expireUntil(seedNow); // up to now: the orders whose time ran out since the last action
    await paymentExpiry.stop();
    progress.finish(plan.actions.length, plan.actions.length);
    // The orders the plan left unpaid whose time ran out.
    for (const [orderId, current] of status) {
      if (current !== 'pending') continue;
      if ((await store.readStream(orderStreamId(orderId))).at(-1)?.type !== 'OrderCancelled') continue;
      status.set(orderId, 'cancelled');
      summary.expired += 1;
    }
    for (const final of status.values()) summary.byStatus[final] += 1;
    summary.events = await store.headPosition();

    // The read models, so queries answer at once when a server starts on the log.
    await builtUpTo((await app.openReadSide()).engine, summary.events);
    return summary;
  } finally {
    await app.close();
  }
}

/** Waits until every read model is live at `position`; throws when one fails. A first build may take a while. */
async function builtUpTo(engine: ReadSideEngine, position: number): Promise<void> {
  for (;;) {
    const statuses = await engine.status();
    const failed = statuses.filter((projection) => projection.state === 'FAILED');
    if (failed.length > 0)
      throw new Error(
        `Read models failed: ${failed.map((projection) => `${projection.name}: ${projection.lastError?.message}`).join('; ')}`,
      );
    if (statuses.every((projection) => projection.state === 'LIVE' && projection.position >= position)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** "Seeded 200 orders …": one line for people. */
export function formatSeedSummary(summary: SeedSummary, databaseFile: string, seconds: number): string {
  const { byStatus } = summary;
  const amounts = (sums: Record<string, number>) =>
    Object.keys(sums).length === 0
      ? 'none'
      : Object.entries(sums)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, amountMinor]) => `${currency} ${groupThousands(formatAmountMinor(amountMinor, currency))}`)
          .join(', ');
  return (
    `Seeded ${databaseFile}: ${count(summary.orders)} orders of ${count(summary.customers)} customers, ${count(summary.products)} products; ` +
    `${count(byStatus.pending)} pending, ${count(byStatus.paid)} paid, ${count(byStatus.shipped)} shipped, ` +
    `${count(byStatus.cancelled)} cancelled (${count(summary.outOfStock)} out of stock, ${count(summary.expired)} not paid in time); ${count(summary.events)} events; ` +
    `payments ${amounts(summary.paymentsMinor)}, refunds ${amounts(summary.refundsMinor)}; in ${seconds.toFixed(1)} s`
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "12345.67" → "12,345.67", on the digits (never through a float). */
function groupThousands(amount: string): string {
  const [whole, fraction] = amount.split('.');
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}
