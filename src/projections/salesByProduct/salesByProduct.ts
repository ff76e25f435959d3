import { type OrderLine, placedInKeptUnits } from '../../domain/order/index.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { eventTime, orderStatusDocuments } from '../orderTransitions.js';
import { andThen, inList, type Maybe, type ReadDb } from '../readDb.js';
import { type ReadSource, readDbOf } from '../readDbOf.js';
import type { AggregateUpdate, ReadModel } from '../readModel.js';
import { table } from '../tables.js';

/** One product's sales on one UTC day in one currency. */
type SalesRow = { product_id: string; day: string; currency: string; units: number; revenue_minor: number };

/** Announced for each event that moved sales: which products' figures of which day changed. */
export type SalesChange = { position: number; day: string; currency: string; productIds: string[] };

/**
 * What later events of an order need: its lines, currency and status, whether its units are counted
 * as sold (paid, not cancelled), and the version of the event that last changed that.
 */
type SalesOrderRow = {
  order_id: string;
  currency: string;
  status: string;
  lines: string;
  counted: number;
  counted_version: number;
  version: number;
};

type SalesOrder = { sales_orders: [SalesOrderRow] };

/**
 * Units sold and revenue per product per UTC day, from the Order streams. A sale counts on the day
 * its payment is received; a paid order cancelled (and refunded) takes its units and revenue back
 * on the day of the cancellation. Amounts are kept units of the order's currency (see Money), never
 * added across currencies. Version 2: kept units (thousandths for KWD).
 */
export const salesByProductModel: ReadModel<SalesOrder, SalesChange> = {
  name: 'salesByProduct',
  version: 2,
  tables: {
    sales_orders: table(
      `order_id text, currency text, status text, lines text, counted integer, counted_version integer,
         version integer`,
      { primaryKey: ['order_id'], checks: ['counted IN (0, 1)'] },
    ),
    sales_by_product: table('product_id text, day text, currency text, units integer, revenue_minor integer', {
      primaryKey: ['product_id', 'day', 'currency'],
      indexes: { by_day: ['day', 'product_id'] },
    }),
  },
  documents: orderStatusDocuments(
    'sales_orders',
    ({ data }, stored) => ({
      order_id: data.orderId,
      currency: data.currency,
      status: 'PENDING',
      lines: JSON.stringify(placedInKeptUnits(data).items.map(saleLine)),
      counted: 0,
      counted_version: stored.version,
      version: stored.version,
    }),
    (before, after) => {
      const counted = after.status === 'PAID' || after.status === 'SHIPPED' ? 1 : 0;
      return { ...after, counted, counted_version: counted === before.counted ? before.counted_version : after.version };
    },
  ),
  aggregate(before, after, event) {
    const sign = after.sales_orders[0].counted - (before?.sales_orders[0].counted ?? 0);
    if (sign === 0) return [];
    const [order] = after.sales_orders;
    const day = dayOf(event);
    return linesOf(order).map(
      ({ productId, quantity, lineTotalMinor }): AggregateUpdate => ({
        table: 'sales_by_product',
        key: { product_id: productId, day, currency: order.currency },
        update: (row) => ({
          product_id: productId,
          day,
          currency: order.currency,
          units: ((row?.units as number | undefined) ?? 0) + sign * quantity,
          revenue_minor: ((row?.revenue_minor as number | undefined) ?? 0) + sign * lineTotalMinor,
        }),
      }),
    );
  },
  announce(doc, event) {
    const [order] = doc.sales_orders;
    if (order.counted_version !== event.version || event.version === 1) return undefined;
    const productIds = [...new Set(linesOf(order).map((line) => line.productId))];
    return { position: event.position, day: dayOf(event), currency: order.currency, productIds };
  },
};

type SaleLine = { productId: string; quantity: number; lineTotalMinor: number };

function saleLine(item: OrderLine): SaleLine {
  return { productId: item.productId, quantity: item.quantity, lineTotalMinor: item.unitPriceMinor * item.quantity };
}

function linesOf(order: SalesOrderRow): SaleLine[] {
  return JSON.parse(order.lines) as SaleLine[];
}

function dayOf(event: StoredEvent): string {
  return eventTime(event).day;
}

/** One product's figures of one day, as the read side serves them. */
export type ProductSales = { productId: string; date: string; currency: string; unitsSold: number; revenueMinor: number };

/** The days [fromDay, toDay] (YYYY-MM-DD, both inclusive), one currency, optionally some products only. */
export type SalesFilter = { fromDay: string; toDay: string; currency: string; productIds?: readonly string[] };

/** Reads of the live sales tables, in either database. Never touches the event log. */
export class SalesByProductQueries {
  private readonly db: ReadDb;

  constructor(source: ReadSource) {
    this.db = readDbOf(source);
  }

  /** By day, then product; at most `first`. */
  sales(filter: SalesFilter, first: number): Maybe<ProductSales[]> {
    const products = filter.productIds ? `AND ${inList(this.db.dialect, 'product_id', '$5')}` : '';
    const rows = this.db.all<SalesRow>(
      `SELECT * FROM sales_by_product WHERE day >= $1 AND day <= $2 AND currency = $3 ${products}
       ORDER BY day, product_id LIMIT $4`,
      [filter.fromDay, filter.toDay, filter.currency, first, ...(filter.productIds ? [[...filter.productIds]] : [])],
    );
    return andThen(rows, (found) =>
      found.map((row) => ({
        productId: row.product_id,
        date: row.day,
        currency: row.currency,
        unitsSold: row.units,
        revenueMinor: row.revenue_minor,
      })),
    );
  }
}

/** The queries on `source`, made once per source. */
const queriesBySource = new WeakMap<object, SalesByProductQueries>();
export function salesByProductQueries(source: ReadSource): SalesByProductQueries {
  let queries = queriesBySource.get(source);
  if (!queries) {
    queries = new SalesByProductQueries(source);
    queriesBySource.set(source, queries);
  }
  return queries;
}
