import { commandFingerprint } from '../application/commandFingerprint.js';
import { processIdempotencyKey } from '../application/idempotencyKeys.js';
import type { OrderCommands } from '../application/orderCommands.js';
import { type Clock, isoNow, type Timer } from '../clock/clock.js';
import { CoalescedRuns } from '../concurrency/coalescedRuns.js';
import { DomainError } from '../domain/errors.js';
import type { OrderEvent, OrderPlaced } from '../domain/order/index.js';
import type { StoredEvent } from '../eventstore/eventStore.js';
import type { Logger } from '../logging/logger.js';
import type { UnpaidOrder, UnpaidOrders } from './unpaidOrders.js';
import type { ProcessDefinition } from './process.js';

export const PAYMENT_EXPIRY = 'paymentExpiry';
const USER_ID = `process:${PAYMENT_EXPIRY}`;
/** The step of the idempotency key `<OrderPlaced event id>:expire`. */
const STEP = 'expire';
/** Orders expired at once (each its own stream, so they never conflict with each other). */
const DUE_BATCH = 50;
/** After a failure that is no business refusal (the log unavailable), the orders due are tried again this much later. */
const RETRY_DELAY_MS = 5_000;

export type PaymentExpiryOptions = {
  unpaidOrders: UnpaidOrders;
  orders: OrderCommands;
  clock: Clock;
  /** How long after OrderPlaced an unpaid order expires. */
  timeoutMs: number;
  logger: Logger;
};

/**
 * Unpaid orders expire: an order still pending `timeoutMs` after its OrderPlaced is cancelled with
 * reason "payment not received" (ExpireOrder), which releases its stock through orderFulfilment.
 *
 * Two halves. `process`, fed from the log like any process, records each placed order with its
 * OrderPlaced's time in `unpaid_orders` and removes it on PaymentReceived or OrderCancelled; the
 * deadlines (that time + `timeoutMs`) therefore come from the log, and survive a restart beside the
 * checkpoint. The scheduler (`start`) keeps one clock timer for the earliest deadline and, when it
 * fires, sends ExpireOrder for every order due: at once for those whose deadline passed while the
 * server was down.
 *
 * Exactly once, whoever fires: the command's idempotency key derives from the OrderPlaced event id
 * and is checked inside the append's transaction, so a second instance (or a second firing after a
 * crash) appends nothing. A payment that comes first wins: ExpireOrder's decider refuses an order
 * that is no longer pending, and the two commands' appends on the order stream exclude each other
 * by version, so an order ends either paid or expired, never both, and expiry never refunds.
 */
export class PaymentExpiry {
  readonly process: ProcessDefinition;
  private readonly passes = new CoalescedRuns(
    () => this.expireDue(),
    () => !this.stopped,
  );
  private timer: Timer | undefined;
  private armedAt: number | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: PaymentExpiryOptions) {
    this.process = {
      name: PAYMENT_EXPIRY,
      handles: ['OrderPlaced', 'PaymentReceived', 'OrderCancelled'] satisfies OrderEvent['type'][],
      // Its unpaid orders live in this instance's file: every instance keeps them, to expire them if it must.
      everyInstance: true,
      // Deadlines are minutes away: a read of the log a tenth of a second after an append is soon enough.
      readAtMostEveryMs: 100,
      handle: async (events) => {
        this.options.unpaidOrders.apply(events.map((event) => this.changeFor(event)));
        this.arm();
      },
    };
  }

  /** Arms the timer for the earliest deadline recorded (firing at once for any already past). */
  start(): void {
    this.started = true;
    this.arm();
  }

  /** Stops the timer, and waits for the expiries under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.passes.current;
  }

  /** The earliest deadline of an order recorded unpaid, if any. */
  nextDeadline(): number | undefined {
    const placedAt = this.options.unpaidOrders.earliestPlacedAt();
    return placedAt === undefined ? undefined : placedAt + this.options.timeoutMs;
  }

  private changeFor(event: StoredEvent): { record: UnpaidOrder } | { remove: string } {
    const { orderId } = event.data as { orderId: string };
    if (event.type !== 'OrderPlaced') return { remove: orderId };
    // An OrderPlaced without a readable time (none is written so) counts from when it was seen.
    const placedAt =
      [(event.data as OrderPlaced['data']).placedAt, event.metadata.occurredAt].map(Date.parse).find(Number.isFinite) ??
      this.options.clock.now();
    return { record: { orderId, placedAt, placedEventId: event.eventId, correlationId: event.metadata.correlationId } };
  }

  /** Sets the timer for the earliest deadline unless one as early is set; `at` overrides it (a retry). */
  private arm(at?: number): void {
    if (!this.started || this.stopped) return;
    const next = at ?? this.nextDeadline();
    if (next === undefined) return;
    if (this.armedAt !== undefined && this.armedAt <= next) return;
    this.timer?.cancel();
    this.armedAt = next;
    this.timer = this.options.clock.setTimer(next, () => {
      this.armedAt = undefined;
      this.timer = undefined;
      return this.passes.run().catch((error: unknown) => {
        this.options.logger.error({ err: error, process: PAYMENT_EXPIRY }, `Process ${PAYMENT_EXPIRY}: expiring due orders failed`);
        this.arm(this.options.clock.now() + RETRY_DELAY_MS);
      });
    });
  }

  /** Expires every deadline due now, a batch at a time, then arms the timer for the next. */
  private async expireDue(): Promise<void> {
    while (!this.stopped) {
      const due = this.options.unpaidOrders.placedBy(this.options.clock.now() - this.options.timeoutMs, DUE_BATCH);
      if (due.length === 0) break;
      const outcomes = await Promise.all(due.map((deadline) => this.expire(deadline)));
      if (outcomes.includes(false)) {
        this.arm(this.options.clock.now() + RETRY_DELAY_MS);
        return;
      }
    }
    this.arm();
  }

  /**
   * Sends ExpireOrder for one deadline; true once it has an outcome (expired now or before, or
   * refused because the order was paid or cancelled first), and its row is removed. False when the
   * command failed otherwise: the row stays, to be tried again.
   */
  private async expire({ orderId, placedEventId, correlationId }: UnpaidOrder): Promise<boolean> {
    const now = isoNow(this.options.clock);
    try {
      await this.options.orders.execute(
        { type: 'ExpireOrder', data: { orderId, now } },
        { userId: USER_ID, correlationId, causationId: placedEventId, occurredAt: now },
        {
          idempotency: { key: processIdempotencyKey(placedEventId, STEP), fingerprint: commandFingerprint(USER_ID, STEP, { orderId }) },
          maxAttempts: 20,
        },
      );
    } catch (error) {
      if (!(error instanceof DomainError)) {
        this.options.logger.warn(
          { err: error, process: PAYMENT_EXPIRY, orderId },
          `Process ${PAYMENT_EXPIRY}: order ${orderId} could not expire yet`,
        );
        return false;
      }
    }
    this.options.unpaidOrders.remove(orderId);
    return true;
  }
}
