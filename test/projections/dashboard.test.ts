import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DashboardQueries } from '../../src/projections/dashboard/queries.js';
import { dashboardModel } from '../../src/projections/dashboard/readModel.js';
import { answered, applyInMemory as applyModelInMemory, OrderLogFixture } from './readModelFixture.js';

const TABLES = { dashboard_orders: 'order_id', dashboard_activity: 'order_id, version' };
const ms = (iso: string) => Date.parse(iso);

/**
 * USD: A 109.97 (paid day 1, shipped day 2); B 15.50 (paid day 2, cancelled and refunded day 3);
 * C 2.97 (placed at the last millisecond of day 2, cancelled unpaid day 3); D 10.00 (placed and paid day 3).
 * EUR: E 20.00 (placed day 1, paid day 3).
 */
async function writeScenario(log: OrderLogFixture): Promise<void> {
  await log.place('2025-01-10T10:00:00.000Z', 'A', 'cust-1');
  await log.pay('2025-01-10T10:05:00.000Z', 'A', 10997);
  await log.place('2025-01-10T11:00:00.000Z', 'B', 'cust-2', [{ productId: 'p3', name: 'Cable', quantity: 1, unitPriceMinor: 1550 }]);
  await log.place('2025-01-10T12:00:00.000Z', 'E', 'cust-3', [{ productId: 'p5', name: 'Mug', quantity: 1, unitPriceMinor: 2000 }], 'EUR');
  await log.pay('2025-01-11T09:00:00.000Z', 'B', 1550);
  await log.ship('2025-01-11T10:00:00.000Z', 'A');
  await log.place('2025-01-11T23:59:59.999Z', 'C', 'cust-1', [{ productId: 'p4', name: 'Sticker', quantity: 3, unitPriceMinor: 99 }]);
  await log.cancel('2025-01-12T08:00:00.000Z', 'B');
  await log.cancel('2025-01-12T09:00:00.000Z', 'C');
  await log.place('2025-01-12T10:00:00.000Z', 'D', 'cust-2', [{ productId: 'p6', name: 'Pen', quantity: 2, unitPriceMinor: 500 }]);
  await log.pay('2025-01-12T10:30:00.000Z', 'D', 1000);
  await log.pay('2025-01-12T11:00:00.000Z', 'E', 2000);
}

const day = (date: string, placed: number, paid: number, shipped: number, cancelled: number, revenueMinor: number) => ({
  date,
  ordersPlaced: placed,
  ordersPaid: paid,
  ordersShipped: shipped,
  ordersCancelled: cancelled,
  revenueMinor,
});

describe('dashboard projection', () => {
  let log: OrderLogFixture;
  let queries: DashboardQueries;
  beforeEach(() => {
    log = new OrderLogFixture();
  });
  afterEach(() => log.dispose());

  describe('over the scenario', () => {
    beforeEach(async () => {
      await writeScenario(log);
      await log.startEngine([dashboardModel]);
      queries = new DashboardQueries(log.db);
    });

    it('should give the GROUP BY status figures and the days of the whole log, exact in cents', () => {
      expect(queries.getDashboard({ currency: 'USD' })).toEqual({
        currency: 'USD',
        currencies: ['EUR', 'USD'],
        ordersPlaced: 4,
        // Payments 109.97 + 15.50 + 10.00 minus the refund 15.50.
        revenueMinor: 11997,
        byStatus: [
          { status: 'PENDING', count: 0, amountMinor: 0 },
          { status: 'PAID', count: 1, amountMinor: 1000 },
          { status: 'SHIPPED', count: 1, amountMinor: 10997 },
          { status: 'CANCELLED', count: 2, amountMinor: 1550 + 297 },
        ],
        days: [day('2025-01-10', 2, 1, 0, 0, 10997), day('2025-01-11', 1, 1, 1, 0, 1550), day('2025-01-12', 1, 1, 0, 2, -1550 + 1000)],
      });
    });

    it("should count and sum only the asked currency's orders", () => {
      expect(queries.getDashboard({ currency: 'EUR' })).toEqual({
        currency: 'EUR',
        currencies: ['EUR', 'USD'],
        ordersPlaced: 1,
        revenueMinor: 2000,
        byStatus: [
          { status: 'PENDING', count: 0, amountMinor: 0 },
          { status: 'PAID', count: 1, amountMinor: 2000 },
          { status: 'SHIPPED', count: 0, amountMinor: 0 },
          { status: 'CANCELLED', count: 0, amountMinor: 0 },
        ],
        days: [day('2025-01-10', 1, 0, 0, 0, 0), day('2025-01-12', 0, 1, 0, 0, 2000)],
      });
      expect(queries.getDashboard({ currency: 'GBP' })).toMatchObject({ ordersPlaced: 0, revenueMinor: 0, days: [] });
    });

    it('should window by event time, from inclusive and to exclusive', () => {
      const dayTwo = queries.getDashboard({
        currency: 'USD',
        fromMs: ms('2025-01-11T00:00:00.000Z'),
        toMs: ms('2025-01-12T00:00:00.000Z'),
      });
      expect(dayTwo).toEqual({
        currency: 'USD',
        currencies: ['USD'],
        ordersPlaced: 1,
        revenueMinor: 1550,
        // Only C was placed in the window; it counts in its status now.
        byStatus: [
          { status: 'PENDING', count: 0, amountMinor: 0 },
          { status: 'PAID', count: 0, amountMinor: 0 },
          { status: 'SHIPPED', count: 0, amountMinor: 0 },
          { status: 'CANCELLED', count: 1, amountMinor: 297 },
        ],
        days: [day('2025-01-11', 1, 1, 1, 0, 1550)],
      });

      // From A's payment exactly (kept) to C's placement exactly (left out); day 1 is cut before A's placement.
      const cut = answered(
        queries.getDashboard({ currency: 'USD', fromMs: ms('2025-01-10T10:05:00.000Z'), toMs: ms('2025-01-11T23:59:59.999Z') }),
      );
      expect(cut.days).toEqual([day('2025-01-10', 1, 1, 0, 0, 10997), day('2025-01-11', 0, 1, 1, 0, 1550)]);
      expect(cut.byStatus.filter((figures) => figures.count > 0)).toEqual([{ status: 'CANCELLED', count: 1, amountMinor: 1550 }]);
      expect(cut.revenueMinor).toBe(12547);

      expect(queries.getDashboard({ currency: 'USD', fromMs: ms('2025-01-12T10:30:00.000Z') })).toMatchObject({
        ordersPlaced: 0,
        revenueMinor: 1000,
        days: [day('2025-01-12', 0, 1, 0, 0, 1000)],
      });
      expect(queries.getDashboard({ currency: 'USD', toMs: ms('2025-01-10T10:00:00.000Z') })).toMatchObject({
        ordersPlaced: 0,
        currencies: [],
        days: [],
      });
    });

    it('should have no second effect when every event is applied again from position 0', async () => {
      const live = log.dump(TABLES);
      expect(live.dashboard_activity).toHaveLength(12);
      await log.stopEngine();
      log.db.prepare("UPDATE projection_generations SET position = 0 WHERE name = 'dashboard'").run();
      await log.startEngine([dashboardModel]);
      expect(log.dump(TABLES)).toEqual(live);
      expect(answered(queries.getDashboard({ currency: 'USD' })).revenueMinor).toBe(11997);
    });

    it('should give the same tables when each event is applied twice in a row', async () => {
      const events = await log.store.readAll();
      const twice = applyInMemory(events, 2);
      expect(twice).toEqual(applyInMemory(events, 1));
      expect(twice).toEqual(log.dump(TABLES));
    });

    it('should build the same tables on a rebuild', async () => {
      const live = log.dump(TABLES);
      await log.engine!.rebuild('dashboard');
      expect(log.dump(TABLES)).toEqual(live);
    });
  });

  it('should move an order between statuses while live', async () => {
    await log.place('2025-01-10T10:00:00.000Z', 'A', 'cust-1');
    const engine = await log.startEngine([dashboardModel]);
    const queries = new DashboardQueries(log.db);
    const statusCounts = () => answered(queries.getDashboard({ currency: 'USD' })).byStatus.map((figures) => figures.count);
    expect(statusCounts()).toEqual([1, 0, 0, 0]);
    await engine.waitFor((await log.pay('2025-01-10T10:05:00.000Z', 'A', 10997)).lastPosition);
    expect(statusCounts()).toEqual([0, 1, 0, 0]);
    await engine.waitFor((await log.cancel('2025-01-10T10:06:00.000Z', 'A')).lastPosition);
    expect(statusCounts()).toEqual([0, 0, 0, 1]);
    expect(answered(queries.getDashboard({ currency: 'USD' })).days).toEqual([day('2025-01-10', 1, 1, 0, 1, 0)]);
  });
});

/** Applies the events to fresh in-memory tables through the definition's writer, each `times` times. */
function applyInMemory(events: Awaited<ReturnType<OrderLogFixture['store']['readAll']>>, times: number) {
  return applyModelInMemory(dashboardModel, events, times, TABLES);
}
