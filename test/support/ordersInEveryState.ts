import {
  CancelOrderDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  EventsDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrderAtDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { requestData } from './graphqlClient.js';
import { referenceOrder } from './orders.js';

/** Fourteen events: orders pending, paid, shipped, cancelled before and after payment, in two currencies. */
export async function createOrdersInEveryState(url: string) {
  const place = async (orderId: string, customerId: string, currency?: string) =>
    (await requestData(url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId, currency }) })).placeOrder;
  const pay = (orderId: string, amount: string) =>
    requestData(url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount, method: 'credit_card' } });
  const ship = (orderId: string) =>
    requestData(url, ShipOrderDocument, {
      input: { orderId, trackingNumber: `1Z-${orderId}`, carrier: 'UPS', estimatedDelivery: '2025-01-15' },
    });
  const cancel = (orderId: string) => requestData(url, CancelOrderDocument, { input: { orderId, reason: 'changed my mind' } });

  await place('o-pending', 'cust-a');
  await place('o-paid', 'cust-a');
  await pay('o-paid', '109.97');
  await place('o-shipped', 'cust-b');
  await pay('o-shipped', '109.97');
  await ship('o-shipped');
  await place('o-cancelled', 'cust-b');
  await cancel('o-cancelled');
  await place('o-refunded', 'cust-c');
  await pay('o-refunded', '109.97');
  await cancel('o-refunded');
  await place('o-euro', 'cust-c', 'EUR');
  await pay('o-euro', '109.97');
  await ship('o-euro');
  return {
    orderIds: ['o-pending', 'o-paid', 'o-shipped', 'o-cancelled', 'o-refunded', 'o-euro', 'o-unknown'],
    customerIds: ['cust-a', 'cust-b', 'cust-c', 'cust-unknown'],
  };
}

/** The answers of every query over the read models and the log. */
export async function answersOfEveryQuery(url: string, orderIds: string[], customerIds: string[]) {
  return {
    orders: await requestData(url, ListOrdersDocument, { first: 100 }),
    paidOrders: await requestData(url, ListOrdersDocument, { status: 'PAID', first: 100 }),
    ordersOfB: await requestData(url, ListOrdersDocument, { customerId: 'cust-b', first: 100 }),
    order: await Promise.all(orderIds.map((id) => requestData(url, GetOrderDocument, { id }))),
    orderAtVersion1: await Promise.all(orderIds.map((id) => requestData(url, OrderAtDocument, { id, version: 1 }))),
    customers: await Promise.all(
      customerIds.flatMap((id) => ['USD', 'EUR'].map((currency) => requestData(url, CustomerSummaryDocument, { id, currency }))),
    ),
    dashboards: await Promise.all(['USD', 'EUR'].map((currency) => requestData(url, DashboardDocument, { currency }))),
    events: await requestData(url, EventsDocument, { after: 0, first: 1000 }),
    shippedEvents: await requestData(url, EventsDocument, { types: ['OrderShipped'], first: 1000 }),
  };
}

/** Positions are the target's to assign, and order cursors encode them. */
export function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !['position', 'endPosition', 'cursor', 'endCursor'].includes(key))
      .map(([key, field]) => [key, withoutPositions(field)]),
  );
}
