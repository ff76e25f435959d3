import { inCurrencyUnits } from '../domain/money.js';
import { ORDER_STREAM_TYPE, type OrderEvent, type OrderPlaced } from '../domain/order/index.js';
import type { StoredEvent } from '../eventstore/eventStore.js';
import type { OrderViewStatus } from './orderView/view.js';
import type { ReadModel } from './readModel.js';

/**
 * The status an event moves an order to from `status`, exactly as the domain's `evolve` does, or
 * undefined when it moves nothing (OrderPlaced, or an event the status does not allow). For read
 * models that keep counts by status and must not count a transition the domain would ignore.
 */
export function nextOrderStatus(event: OrderEvent, status: OrderViewStatus): OrderViewStatus | undefined {
  switch (event.type) {
    case 'OrderPlaced':
      return undefined;
    case 'PaymentReceived':
      return status === 'PENDING' ? 'PAID' : undefined;
    case 'OrderShipped':
      return status === 'PAID' ? 'SHIPPED' : undefined;
    case 'OrderCancelled':
      return status === 'PENDING' || status === 'PAID' ? 'CANCELLED' : undefined;
    default: {
      const _exhaustive: never = event;
      return undefined;
    }
  }
}

/** Times the log holds are nearly always in the canonical form already. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** ISO 8601 time in one canonical form (2025-01-10T10:00:00.000Z), so that text order is time order. */
export function canonicalTime(text: string, event: { eventId: string; type: string }): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`Event ${event.eventId} (${event.type}) carries no valid time: "${text}"`);
  return CANONICAL.test(text) ? text : new Date(ms).toISOString();
}

const eventTimes = new WeakMap<StoredEvent, { atMs: number; day: string }>();

/** The event's time (occurredAt) in epoch milliseconds and its UTC day; worked out once per event. */
export function eventTime(stored: StoredEvent): { atMs: number; day: string } {
  let time = eventTimes.get(stored);
  if (!time) {
    const at = canonicalTime(stored.metadata.occurredAt, stored);
    time = { atMs: Date.parse(at), day: at.slice(0, 10) };
    eventTimes.set(stored, time);
  }
  return time;
}

/** The stored event as an Order event, or undefined when it belongs to another kind of stream. */
export function asOrderEvent(stored: StoredEvent): OrderEvent | undefined {
  // The stored event has the event's type and data itself: no copy for each read model and each event.
  return stored.streamType === ORDER_STREAM_TYPE ? (stored as unknown as OrderEvent) : undefined;
}

/** Money the event moves to the business: a payment in, a refund out, nothing otherwise; in `currency`'s kept units. */
export function revenueMinor(event: OrderEvent, currency: string): number {
  if (event.type === 'PaymentReceived') return inCurrencyUnits(event.data.amountMinor, event.data.scale, currency);
  if (event.type === 'OrderCancelled') return -inCurrencyUnits(event.data.refundMinor, event.data.scale, currency);
  return 0;
}

type StatusRow = { status: string; version: number };

/**
 * The documents of a read model that follows each order's status in one row of `table` (with
 * order_id, status and version): `placed` makes the row of an OrderPlaced; a later event moves the
 * status as the domain's evolve does (one that does not move it changes only the version), then
 * `moved` may change more; an event of an order never placed changes nothing (decide never lets
 * one through).
 */
export function orderStatusDocuments<Table extends string, Row extends StatusRow>(
  table: Table,
  placed: (event: OrderPlaced, stored: StoredEvent) => Row,
  moved: (before: Row, after: Row) => Row = (_before, after) => after,
): ReadModel<Record<Table, [Row]>>['documents'] {
  type Doc = Record<Table, [Row]>;
  return {
    tables: [table],
    key: 'order_id',
    keyOf: (event) => asOrderEvent(event)?.data.orderId,
    evolve(doc, stored) {
      const event = asOrderEvent(stored)!;
      if (event.type === 'OrderPlaced') return { [table]: [placed(event, stored)] } as Doc;
      if (!doc) return undefined;
      const [row] = doc[table];
      const status = nextOrderStatus(event, row.status as OrderViewStatus) ?? row.status;
      return { [table]: [moved(row, { ...row, status, version: stored.version })] } as Doc;
    },
  };
}
