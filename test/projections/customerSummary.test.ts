import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_STREAM_TYPE, orderStreamId } from '../../src/domain/order/index.js';
import { CustomerSummaryQueries } from '../../src/projections/customerSummary/queries.js';
import { customerSummaryModel } from '../../src/projections/customerSummary/readModel.js';
import { applyInMemory as applyModelInMemory, OrderLogFixture, REFERENCE_ITEMS } from './readModelFixture.js';

const TABLES = {
  customer_summaries: 'customer_id',
  customer_summary_spend: 'customer_id, currency',
  customer_summary_orders: 'order_id',
};

/**
 * cust-1: A (109.97 USD) paid and shipped; B (15.50 USD) paid then cancelled, so refunded;
 * C (2.97 USD) pending; D (20.00 EUR) paid, placed earliest but appended late; E (109.97 USD)
 * cancelled unpaid. cust-2: X (109.97 USD) paid.
 */
async function writeScenario(log: OrderLogFixture): Promise<void> {
  await log.place('2025-01-10T10:00:00.000Z', 'A', 'cust-1');
  await log.pay('2025-01-10T10:05:00.000Z', 'A', 10997);
  await log.ship('2025-01-11T09:00:00.000Z', 'A');
  await log.place('2025-01-10T11:00:00.000Z', 'X', 'cust-2');
  await log.pay('2025-01-10T11:30:00.000Z', 'X', 10997);
  await log.place('2025-01-12T08:00:00.000Z', 'B', 'cust-1', [{ productId: 'p3', name: 'Cable', quantity: 1, unitPriceMinor: 1550 }]);
  await log.pay('2025-01-12T08:30:00.000Z', 'B', 1550);
  await log.cancel('2025-01-13T12:00:00.000Z', 'B');
  await log.place('2025-01-14T00:00:00.000Z', 'C', 'cust-1', [{ productId: 'p4', name: 'Sticker', quantity: 3, unitPriceMinor: 99 }]);
  await log.place('2025-01-09T12:00:00.000Z', 'D', 'cust-1', [{ productId: 'p5', name: 'Mug', quantity: 1, unitPriceMinor: 2000 }], 'EUR');
  await log.pay('2025-01-09T12:10:00.000Z', 'D', 2000);
  await log.place('2025-01-13T15:00:00.000Z', 'E', 'cust-1');
  await log.cancel('2025-01-13T16:00:00.000Z', 'E');
}

describe('customerSummary projection', () => {
  let log: OrderLogFixture;
  beforeEach(() => {
    log = new OrderLogFixture();
  });
  afterEach(() => log.dispose());

  it('should sum up each customer: counts by status, spend per currency, first and last order', async () => {
    await writeScenario(log);
    await log.startEngine([customerSummaryModel]);
    const queries = new CustomerSummaryQueries(log.db);

    expect(queries.getCustomerSummary('cust-1')).toEqual({
      customerId: 'cust-1',
      orderCount: 5,
      pendingCount: 1,
      paidCount: 1,
      shippedCount: 1,
      cancelledCount: 2,
      openOrders: 2,
      firstOrderAt: '2025-01-09T12:00:00.000Z',
      lastOrderAt: '2025-01-14T00:00:00.000Z',
      latestCurrency: 'USD',
      // USD: 109.97 (A) + 15.50 (B) − 15.50 (B's refund); E was never paid. EUR: 20.00 (D).
      spendByCurrency: [
        { amountMinor: 2000, currency: 'EUR' },
        { amountMinor: 10997, currency: 'USD' },
      ],
    });
    expect(queries.getCustomerSummary('cust-2')).toMatchObject({
      orderCount: 1,
      pendingCount: 0,
      paidCount: 1,
      openOrders: 1,
      firstOrderAt: '2025-01-10T11:00:00.000Z',
      lastOrderAt: '2025-01-10T11:00:00.000Z',
      spendByCurrency: [{ amountMinor: 10997, currency: 'USD' }],
    });
    expect(queries.getCustomerSummary('no-such-customer')).toBeUndefined();
  });

  it('should follow new events while live, and count an unpaid order with a zero spend', async () => {
    await log.place('2025-01-10T10:00:00.000Z', 'A', 'cust-1');
    const engine = await log.startEngine([customerSummaryModel]);
    const queries = new CustomerSummaryQueries(log.db);
    expect(queries.getCustomerSummary('cust-1')).toMatchObject({
      orderCount: 1,
      pendingCount: 1,
      openOrders: 1,
      spendByCurrency: [{ amountMinor: 0, currency: 'USD' }],
    });

    await engine.waitFor((await log.pay('2025-01-10T10:05:00.000Z', 'A', 10997)).lastPosition);
    expect(queries.getCustomerSummary('cust-1')).toMatchObject({
      pendingCount: 0,
      paidCount: 1,
      openOrders: 1,
      spendByCurrency: [{ amountMinor: 10997, currency: 'USD' }],
    });

    await engine.waitFor((await log.cancel('2025-01-11T08:00:00.000Z', 'A')).lastPosition);
    expect(queries.getCustomerSummary('cust-1')).toMatchObject({
      paidCount: 0,
      cancelledCount: 1,
      openOrders: 0,
      spendByCurrency: [{ amountMinor: 0, currency: 'USD' }],
    });
  });

  it('should have no second effect when every event is applied again from position 0', async () => {
    await writeScenario(log);
    await log.startEngine([customerSummaryModel]);
    const live = log.dump(TABLES);
    expect(live.customer_summaries).toHaveLength(2);
    await log.stopEngine();

    log.db.prepare("UPDATE projection_generations SET position = 0 WHERE name = 'customerSummary'").run();
    await log.startEngine([customerSummaryModel]);
    expect(log.dump(TABLES)).toEqual(live);
  });

  it('should give the same tables when each event is applied twice in a row', async () => {
    await writeScenario(log);
    const events = await log.store.readAll();
    const once = applyInMemory(events, 1);
    const twice = applyInMemory(events, 2);
    expect(once.customer_summaries).toHaveLength(2);
    expect(twice).toEqual(once);
  });

  it('should build the same tables on a rebuild', async () => {
    await writeScenario(log);
    const engine = await log.startEngine([customerSummaryModel]);
    const live = log.dump(TABLES);
    await engine.rebuild('customerSummary');
    expect(log.dump(TABLES)).toEqual(live);
  });

  it('should ignore, as the domain does, an event the order status does not allow', async () => {
    await log.place('2025-01-10T10:00:00.000Z', 'A', 'cust-1', REFERENCE_ITEMS);
    await log.cancel('2025-01-10T11:00:00.000Z', 'A');
    // Written past the decider: a payment of a cancelled order moves nothing in the domain's evolve.
    await log.store.append(
      orderStreamId('A'),
      ORDER_STREAM_TYPE,
      [
        {
          eventId: crypto.randomUUID(),
          type: 'PaymentReceived',
          schemaVersion: 1,
          data: { orderId: 'A', paymentId: 'late', amountMinor: 10997, method: 'card', receivedAt: '2025-01-10T12:00:00.000Z' },
          metadata: { userId: 'ops', correlationId: 'c', causationId: 'c', commandId: 'c', occurredAt: '2025-01-10T12:00:00.000Z' },
        },
      ],
      { expectedVersion: 2 },
    );
    await log.startEngine([customerSummaryModel]);
    expect(new CustomerSummaryQueries(log.db).getCustomerSummary('cust-1')).toMatchObject({
      cancelledCount: 1,
      paidCount: 0,
      spendByCurrency: [{ amountMinor: 0, currency: 'USD' }],
    });
    expect(log.db.prepare("SELECT status, version FROM customer_summary_orders WHERE order_id = 'A'").get()).toEqual({
      status: 'CANCELLED',
      version: 3,
    });
  });
});

/** Applies the events to fresh in-memory tables through the definition's writer, each `times` times. */
function applyInMemory(events: Awaited<ReturnType<OrderLogFixture['store']['readAll']>>, times: number) {
  return applyModelInMemory(customerSummaryModel, events, times, TABLES);
}
