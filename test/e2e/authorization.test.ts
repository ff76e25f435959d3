import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddProductDocument,
  CancelOrderDocument,
  ChangePriceDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  EventFeedDocument,
  EventsDocument,
  GetOrderDocument,
  GetProductDocument,
  ListOrdersDocument,
  ListProductsDocument,
  OrderAtDocument,
  OrderEventsDocument,
  OrderHistoryDocument,
  OrderUpdatedDocument,
  PlaceOrderDocument,
  ProductSalesChangedDocument,
  ProductStockChangedDocument,
  ProjectionsDocument,
  ReceivePaymentDocument,
  RebuildProjectionDocument,
  RestockDocument,
  RetryProjectionDocument,
  SalesByProductDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import type { TestUser } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { requestData } from '../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../support/orders.js';
import { settled } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/startServer.js';
import { type Outcome, sendAs, type Transport } from '../support/transports.js';

const USERS = {
  none: undefined,
  customerA: { role: 'customer', customerId: 'cust-a' },
  customerB: { role: 'customer', customerId: 'cust-b' },
  staff: { role: 'staff' },
  admin: { role: 'admin' },
} satisfies Record<string, TestUser | undefined>;
type UserName = keyof typeof USERS;

/** Allowed (with a check of what came back), or refused with a code; `none` is always UNAUTHENTICATED. */
type Expected = { allowed: (data: any) => void } | { refused: string };
type Case = {
  name: string;
  document: TypedDocumentNode<any, any>;
  /** Makes what the operation acts on (through an admin) and returns its variables. */
  prepare: () => Promise<Record<string, unknown>>;
  expected: Record<Exclude<UserName, 'none'>, Expected>;
  writes?: boolean;
};

let server: TestServer;
let sequence = 0;

/** A fresh order of customer A, moved to `status` by an admin. */
async function orderOfA(status: 'pending' | 'paid' = 'pending'): Promise<string> {
  const orderId = `authz-${++sequence}`;
  await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId: 'cust-a' }) });
  if (status === 'paid') {
    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId, paymentId: `pay-${orderId}`, amount: '109.97', method: 'card' },
    });
  }
  return orderId;
}

/** A fresh product with 10 on hand, added by an admin. */
async function product(): Promise<string> {
  const productId = `authz-product-${++sequence}`;
  await requestData(server.url, AddProductDocument, { input: { productId, name: 'Widget', quantity: 10 } });
  return productId;
}

const allowedOrder = (data: any) => expect(Object.values(data)[0]).toMatchObject({ customerId: 'cust-a' });
const nullAnswer = { allowed: (data: any) => expect(Object.values(data)[0]).toBeNull() };
const ok = { allowed: (data: any) => expect(Object.values(data)[0]).toBeTruthy() };
const forbidden = { refused: 'FORBIDDEN' };
const notFound = { refused: 'NOT_FOUND' };

const CASES: Case[] = [
  {
    name: 'order',
    document: GetOrderDocument,
    prepare: async () => ({ id: await orderOfA() }),
    expected: {
      customerA: { allowed: allowedOrder },
      customerB: nullAnswer,
      staff: { allowed: allowedOrder },
      admin: { allowed: allowedOrder },
    },
  },
  {
    name: 'orders of customer A',
    document: ListOrdersDocument,
    prepare: async () => ({ customerId: 'cust-a', first: 100 }),
    expected: {
      customerA: { allowed: (data) => expect(data.orders.totalCount).toBeGreaterThan(0) },
      customerB: { allowed: (data) => expect(data.orders).toMatchObject({ totalCount: 0, edges: [] }) },
      staff: { allowed: (data) => expect(data.orders.totalCount).toBeGreaterThan(0) },
      admin: { allowed: (data) => expect(data.orders.totalCount).toBeGreaterThan(0) },
    },
  },
  {
    name: 'orders without a filter',
    document: ListOrdersDocument,
    prepare: async () => ({ first: 100 }),
    expected: {
      customerA: {
        allowed: (data) => expect(new Set(data.orders.edges.map((edge: any) => edge.node.customerId))).toEqual(new Set(['cust-a'])),
      },
      customerB: { allowed: (data) => expect(data.orders.totalCount).toBe(0) },
      staff: { allowed: (data) => expect(data.orders.totalCount).toBeGreaterThan(0) },
      admin: { allowed: (data) => expect(data.orders.totalCount).toBeGreaterThan(0) },
    },
  },
  {
    name: 'orderAt',
    document: OrderAtDocument,
    prepare: async () => ({ id: await orderOfA(), version: 1 }),
    expected: { customerA: ok, customerB: nullAnswer, staff: ok, admin: ok },
  },
  {
    name: 'orderHistory',
    document: OrderHistoryDocument,
    prepare: async () => ({ id: await orderOfA() }),
    expected: { customerA: ok, customerB: notFound, staff: ok, admin: ok },
  },
  {
    name: 'customer',
    document: CustomerSummaryDocument,
    prepare: async () => {
      await orderOfA();
      return { id: 'cust-a' };
    },
    expected: { customerA: ok, customerB: nullAnswer, staff: ok, admin: ok },
  },
  {
    name: 'dashboard',
    document: DashboardDocument,
    prepare: async () => ({}),
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
  },
  {
    name: 'events',
    document: EventsDocument,
    prepare: async () => ({}),
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
  },
  {
    name: 'projections',
    document: ProjectionsDocument,
    prepare: async () => ({}),
    expected: { customerA: forbidden, customerB: forbidden, staff: forbidden, admin: ok },
  },
  {
    name: 'rebuildProjection',
    document: RebuildProjectionDocument,
    prepare: async () => ({ name: 'dashboard' }),
    expected: { customerA: forbidden, customerB: forbidden, staff: forbidden, admin: ok },
  },
  {
    name: 'retryProjection',
    document: RetryProjectionDocument,
    prepare: async () => ({ name: 'dashboard' }),
    // Allowed, and refused for a reason of its own: the read model has not failed.
    expected: { customerA: forbidden, customerB: forbidden, staff: forbidden, admin: { refused: 'FAILED_PRECONDITION' } },
  },
  {
    name: 'placeOrder for customer A',
    document: PlaceOrderDocument,
    prepare: async () => ({ input: referenceOrder({ customerId: 'cust-a' }) }),
    // Staff may place orders too (a checkout service, pricing elsewhere): issue 20.
    expected: {
      customerA: { allowed: allowedOrder },
      customerB: forbidden,
      staff: { allowed: allowedOrder },
      admin: { allowed: allowedOrder },
    },
    writes: true,
  },
  {
    name: "receivePayment on A's pending order",
    document: ReceivePaymentDocument,
    prepare: async () => {
      const orderId = await orderOfA();
      return { input: { orderId, paymentId: `pay-${orderId}`, amount: '109.97', method: 'card' } };
    },
    // Payments come from the payment provider (a staff or admin service token), never from a customer, even its own order's.
    expected: { customerA: forbidden, customerB: forbidden, staff: { allowed: allowedOrder }, admin: { allowed: allowedOrder } },
    writes: true,
  },
  {
    name: "shipOrder on A's paid order",
    document: ShipOrderDocument,
    prepare: async () => ({ input: { orderId: await orderOfA('paid'), trackingNumber: 'T-1', carrier: 'UPS' } }),
    expected: { customerA: forbidden, customerB: forbidden, staff: { allowed: allowedOrder }, admin: { allowed: allowedOrder } },
    writes: true,
  },
  {
    name: "cancelOrder on A's pending order",
    document: CancelOrderDocument,
    prepare: async () => ({ input: { orderId: await orderOfA(), reason: 'changed mind' } }),
    expected: {
      customerA: { allowed: allowedOrder },
      customerB: notFound,
      staff: { allowed: allowedOrder },
      admin: { allowed: allowedOrder },
    },
    writes: true,
  },
  {
    name: "cancelOrder on A's paid order",
    document: CancelOrderDocument,
    prepare: async () => ({ input: { orderId: await orderOfA('paid'), reason: 'changed mind' } }),
    expected: { customerA: forbidden, customerB: notFound, staff: { allowed: allowedOrder }, admin: { allowed: allowedOrder } },
    writes: true,
  },
  {
    name: 'orderUpdated (subscription)',
    document: OrderUpdatedDocument,
    prepare: async () => ({ id: await orderOfA() }),
    expected: { customerA: ok, customerB: notFound, staff: ok, admin: ok },
  },
  {
    name: 'orderEvents (subscription)',
    document: OrderEventsDocument,
    prepare: async () => ({ orderId: await orderOfA(), afterPosition: 0 }),
    expected: { customerA: ok, customerB: notFound, staff: ok, admin: ok },
  },
  {
    name: 'events (subscription)',
    document: EventFeedDocument,
    prepare: async () => {
      await orderOfA();
      return { afterPosition: 0 };
    },
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
  },
  {
    name: 'products',
    document: ListProductsDocument,
    prepare: async () => {
      await product();
      return { first: 100 };
    },
    expected: {
      customerA: { allowed: (data) => expect(data.products.totalCount).toBeGreaterThan(0) },
      customerB: { allowed: (data) => expect(data.products.totalCount).toBeGreaterThan(0) },
      staff: { allowed: (data) => expect(data.products.totalCount).toBeGreaterThan(0) },
      admin: { allowed: (data) => expect(data.products.totalCount).toBeGreaterThan(0) },
    },
  },
  {
    name: 'product',
    document: GetProductDocument,
    prepare: async () => ({ id: await product() }),
    expected: { customerA: ok, customerB: ok, staff: ok, admin: ok },
  },
  {
    name: 'addProduct',
    document: AddProductDocument,
    prepare: async () => ({ input: { productId: `authz-product-${++sequence}`, name: 'Widget', quantity: 1 } }),
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
    writes: true,
  },
  {
    name: 'restock',
    document: RestockDocument,
    prepare: async () => ({ input: { productId: await product(), quantity: 1 } }),
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
    writes: true,
  },
  {
    name: 'changePrice',
    document: ChangePriceDocument,
    prepare: async () => ({ input: { productId: await product(), unitPrice: '0.01', currency: 'USD' } }),
    expected: {
      customerA: forbidden,
      customerB: forbidden,
      staff: { allowed: (data) => expect(data.changePrice.price).toEqual({ amount: '0.01', currency: 'USD' }) },
      admin: { allowed: (data) => expect(data.changePrice.price).toEqual({ amount: '0.01', currency: 'USD' }) },
    },
    writes: true,
  },
  {
    name: 'productStockChanged (subscription)',
    document: ProductStockChangedDocument,
    prepare: async () => ({ productId: await product() }),
    expected: { customerA: ok, customerB: ok, staff: ok, admin: ok },
  },
  {
    name: 'salesByProduct',
    document: SalesByProductDocument,
    prepare: async () => ({ from: '2025-01-01', to: '2025-01-31' }),
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
  },
  {
    name: 'productSalesChanged (subscription)',
    document: ProductSalesChangedDocument,
    prepare: async () => ({ productId: await product() }),
    expected: { customerA: forbidden, customerB: forbidden, staff: ok, admin: ok },
  },
];

const SUBSCRIPTIONS = new Set<TypedDocumentNode<any, any>>([
  OrderUpdatedDocument,
  OrderEventsDocument,
  EventFeedDocument,
  ProductStockChangedDocument,
  ProductSalesChangedDocument,
]);

describe('Authorization: every operation × {none, customer A, customer B, staff, admin}, over HTTP and WebSocket', () => {
  beforeAll(async () => {
    // Every case places orders of customer A, none of them paid: far more than the default cap on a
    // customer's pending orders, which is not what this matrix is about (test/e2e/catalogPricing.test.ts).
    server = await startTestServer({ config: { maxPendingOrders: 1_000 } });
    // Customer A orders the reference order's products, which customers may order only from the catalog.
    await addReferenceProducts(server.url);
  });
  afterAll(() => server.dispose());

  for (const transport of ['http', 'ws'] as Transport[]) {
    describe(`over ${transport}`, () => {
      for (const testCase of CASES) {
        if (SUBSCRIPTIONS.has(testCase.document) && transport === 'http') continue;
        for (const userName of Object.keys(USERS) as UserName[]) {
          const expected: Expected =
            userName === 'none' ? { refused: transport === 'ws' ? 'closed 4401' : 'UNAUTHENTICATED' } : testCase.expected[userName];
          const verdict = 'allowed' in expected ? 'allowed' : `refused with ${expected.refused}`;
          it(`${testCase.name} as ${userName}: ${verdict}`, async () => {
            const variables = await testCase.prepare();
            // The catalog's products are reserved for each order placed, after it: let that finish
            // first, so that the count below sees only what this operation writes.
            if (testCase.writes) await settled(server.url);
            const before = countEvents(server.databaseFile);

            const outcome: Outcome<any> = await sendAs(transport, server, USERS[userName], testCase.document, variables);

            if ('allowed' in expected) {
              expect(outcome.errors).toBeUndefined();
              expected.allowed(outcome.data);
            } else if (expected.refused === 'closed 4401') {
              expect(outcome.closeCode).toBe(4401);
            } else {
              expect(outcome.errors?.[0]?.extensions?.code).toBe(expected.refused);
              expect(outcome.errors?.[0]?.message).toBeTruthy();
              expect(outcome.data?.[Object.keys(outcome.data ?? {})[0]!] ?? null).toBeNull();
            }
            if (testCase.writes && !('allowed' in expected)) expect(countEvents(server.databaseFile)).toBe(before);
          });
        }
      }
    });
  }
});
