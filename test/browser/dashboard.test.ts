import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddProductDocument,
  CancelOrderDocument,
  ChangePriceDocument,
  ForgetCustomerDocument,
  GetProductDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { ADMIN, bearer, type TestUser } from '../support/auth.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { DEFAULT_CONFIG, DEVELOPMENT_JWT_SECRET } from '../../src/server/config.js';
import { startTestServer, type TestServer } from '../support/startServer.js';
import { chromiumMissing, collectErrors, launchChromium } from './chromium.js';

/**
 * How long a change may take to show before the test fails: only a bound on a failure (the page is
 * pushed changes, it never reloads), generous so that a busy machine does not fail it.
 */
const LIVE_WITHIN_MS = 10_000;
/** Reconnecting after a restart: the page retries every 250 ms, doubling to 3 s. */
const RECONNECT_WITHIN_MS = 10_000;
/** For what has no deadline of its own: generous, so that a busy machine does not fail it. */
const SETTLE = { timeout: 5_000 };

describe.skipIf(chromiumMissing)('The dashboard page', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  describe('when another client changes orders', () => {
    let server: TestServer;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      server = await startTestServer();
      await requestData(server.url, AddProductDocument, { input: { productId: 'p1', name: 'Widget', quantity: 10 } });
      await placeOrder(server, 'before-open');
      ({ page, errors } = await openDashboard(browser, server, ADMIN));
    });
    afterAll(() => server.dispose());

    it('should list the orders that were there when it opened', async () => {
      await expect.poll(() => cell(page, 'before-open', 'status'), SETTLE).toBe('PENDING');
      expect(await cell(page, 'before-open', 'customer')).toBe('cust-1');
      expect(await cell(page, 'before-open', 'total')).toBe('109.97 USD');
    });

    it('should show a new order as it is placed, without a reload', async () => {
      await placeOrder(server, 'live-1');
      await expect.poll(() => cell(page, 'live-1', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PENDING');
    });

    it("should show the selected order's history growing as it changes", async () => {
      await page.click('tr[data-order-id="live-1"]');
      await expect.poll(() => historyTypes(page), SETTLE).toEqual(['OrderPlaced']);

      await requestData(server.url, ReceivePaymentDocument, {
        input: { orderId: 'live-1', paymentId: 'pay-live-1', amount: '109.97', method: 'credit_card' },
      });
      await expect.poll(() => cell(page, 'live-1', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PAID');
      await expect.poll(() => historyTypes(page), { timeout: LIVE_WITHIN_MS }).toEqual(['OrderPlaced', 'PaymentReceived']);
      expect(await page.textContent('#detail [data-field="status"]')).toBe('PAID');
    });

    it('should show where an order ships, and show it erased once its customer is forgotten', async () => {
      const shipping = {
        recipientName: 'Quintessa Marchbanks',
        addressLines: ['17 Zebrastraat'],
        city: 'Utrechtburg',
        postalCode: '3512 ZX',
        country: 'NL',
        email: 'quintessa@example.org',
      };
      await requestData(server.url, PlaceOrderDocument, {
        input: referenceOrder({ orderId: 'ship-to', customerId: 'cust-ship', shipping }),
      });
      await expect.poll(() => cell(page, 'ship-to', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PENDING');
      await page.click('tr[data-order-id="ship-to"]');
      await expect
        .poll(() => page.textContent('#detail [data-field="ship to"]'), SETTLE)
        .toBe('Quintessa Marchbanks, 17 Zebrastraat, 3512 ZX Utrechtburg, NL · quintessa@example.org');

      await requestData(server.url, ForgetCustomerDocument, { customerId: 'cust-ship' });
      await requestData(server.url, ReceivePaymentDocument, {
        input: { orderId: 'ship-to', paymentId: 'pay-ship-to', amount: '109.97', method: 'credit_card' },
      });
      await expect.poll(() => cell(page, 'ship-to', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PAID');
      await expect.poll(() => page.textContent('#detail [data-field="ship to"]'), SETTLE).toBe('erased (the customer was forgotten)');
      expect(await page.content()).not.toContain('Zebrastraat');
    });

    it('should show stock as the order process reserves it', async () => {
      // before-open, live-1 and ship-to reserved 2 widgets each (p1 × 2 in the reference order).
      await expect.poll(() => productCell(page, 'p1', 'reserved'), SETTLE).toBe('6');
      await placeOrder(server, 'live-2');
      await expect.poll(() => productCell(page, 'p1', 'available'), SETTLE).toBe('2');
      expect(errors).toEqual([]);
    });
  });

  describe('where WebSockets cannot be opened', () => {
    let server: TestServer;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      server = await startTestServer();
      await placeOrder(server, 'sse-before');
      // As a proxy that refuses upgrades would: every WebSocket to /graphql closes before the server answers.
      ({ page, errors } = await openDashboard(browser, server, ADMIN, (page) =>
        page.routeWebSocket(/\/graphql$/, (socket) => socket.close({ code: 1011, reason: 'no upgrades here' })),
      ));
    });
    afterAll(() => server.dispose());

    it('should follow the orders over Server-Sent Events instead, live', async () => {
      expect(await page.textContent('#connection')).toBe('live (Server-Sent Events)');
      await expect.poll(() => cell(page, 'sse-before', 'status'), SETTLE).toBe('PENDING');
      await placeOrder(server, 'sse-live');
      await expect.poll(() => cell(page, 'sse-live', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PENDING');
      await requestData(server.url, ReceivePaymentDocument, {
        input: { orderId: 'sse-live', paymentId: 'pay-sse-live', amount: '109.97', method: 'credit_card' },
      });
      await expect.poll(() => cell(page, 'sse-live', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PAID');
      // The page's feeds run on the server as subscriptions over SSE.
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(metrics).toMatch(/orderstream_graphql_documents_parsed_total\{transport="sse"\} [1-9]/);
      expect(errors.filter((error) => !/WebSocket/.test(error))).toEqual([]);
    });
  });

  describe('when used to place and change orders', () => {
    let server: TestServer;
    let page: Page;

    beforeAll(async () => {
      server = await startTestServer();
      ({ page } = await openDashboard(browser, server, ADMIN));
    });
    afterAll(() => server.dispose());

    it('should place an order from the form and select it', async () => {
      await page.fill('#place-form [name="customerId"]', 'cust-7');
      await page.fill('#place-form [name="orderId"]', 'web-1');
      await page.fill('#place-items [name="productId"]', 'lamp');
      await page.fill('#place-items [name="name"]', 'Desk lamp');
      await page.fill('#place-items [name="quantity"]', '2');
      await page.fill('#place-items [name="unitPrice"]', '10.00');
      await page.click('#place-form button[type="submit"]');

      await expect.poll(() => page.textContent('#message'), SETTLE).toBe('Order web-1 placed: 20.00 USD');
      await expect.poll(() => cell(page, 'web-1', 'status'), SETTLE).toBe('PENDING');
      expect(await page.textContent('#detail-id')).toBe('web-1');
      await expect.poll(() => historyTypes(page), SETTLE).toEqual(['OrderPlaced']);
    });

    it('should show the server’s error as the server words it when the payment is wrong', async () => {
      const wrongPayment = { orderId: 'web-1', paymentId: 'pay-x', amount: '1.00', method: 'credit_card' };
      const expected = (await request(server.url, ReceivePaymentDocument, { input: wrongPayment })).errors?.[0];
      expect(expected?.message).toMatch(/does not match the order total/);

      await page.fill('#pay-form [name="amount"]', '1.00');
      await page.click('#pay-form button[type="submit"]');
      await expect.poll(() => page.textContent('#message'), SETTLE).toBe(`${String(expected?.extensions?.code)}: ${expected?.message}`);
      expect(await page.getAttribute('#message', 'class')).toBe('error');
      expect(await cell(page, 'web-1', 'status')).toBe('PENDING');
    });

    it('should pay, ship, and refuse to cancel a shipped order', async () => {
      await page.fill('#pay-form [name="amount"]', '20.00');
      await page.click('#pay-form button[type="submit"]');
      await expect.poll(() => cell(page, 'web-1', 'status'), SETTLE).toBe('PAID');

      await page.fill('#ship-form [name="trackingNumber"]', '1Z999');
      await page.click('#ship-form button[type="submit"]');
      await expect.poll(() => cell(page, 'web-1', 'status'), SETTLE).toBe('SHIPPED');
      await expect.poll(() => historyTypes(page), SETTLE).toEqual(['OrderPlaced', 'PaymentReceived', 'OrderShipped']);

      await page.click('#cancel-form button[type="submit"]');
      await expect.poll(() => page.textContent('#message'), SETTLE).toMatch(/^FAILED_PRECONDITION: Order web-1 is shipped/);
    });
  });

  describe('when staff change prices', () => {
    let server: TestServer;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      server = await startTestServer();
      await requestData(server.url, AddProductDocument, {
        input: { productId: 'lamp', name: 'Desk lamp', quantity: 5, unitPrice: '34.50' },
      });
      await requestData(server.url, AddProductDocument, { input: { productId: 'mug', name: 'Mug', quantity: 5 } });
      ({ page, errors } = await openDashboard(browser, server, { role: 'staff' }));
    });
    afterAll(() => server.dispose());

    it("should show each product's price in the stock table, and a dash for one without", async () => {
      await expect.poll(() => productCell(page, 'lamp', 'price'), SETTLE).toBe('34.50 USD');
      expect(await productCell(page, 'mug', 'price')).toBe('–');
      expect(await page.isVisible('#price-form')).toBe(true);
    });

    it('should change a price from the form, prefilled by clicking the row, and show it in the table', async () => {
      await page.click('#products tr[data-product-id="lamp"]');
      expect(await page.inputValue('#price-form [name="productId"]')).toBe('lamp');
      expect(await page.inputValue('#price-form [name="unitPrice"]')).toBe('34.50');

      await page.fill('#price-form [name="unitPrice"]', '29.99');
      await page.click('#price-form button[type="submit"]');

      await expect.poll(() => page.textContent('#message'), SETTLE).toBe('Product lamp now costs 29.99 USD');
      expect(await page.getAttribute('#message', 'class')).toBe('ok');
      await expect.poll(() => productCell(page, 'lamp', 'price'), SETTLE).toBe('29.99 USD');
      const { product } = await requestData(server.url, GetProductDocument, { id: 'lamp' });
      expect(product?.price).toEqual({ amount: '29.99', currency: 'USD' });
    });

    it("should show another client's price change live", async () => {
      await requestData(server.url, ChangePriceDocument, { input: { productId: 'mug', unitPrice: '8.00', currency: 'EUR' } });
      await expect.poll(() => productCell(page, 'mug', 'price'), { timeout: LIVE_WITHIN_MS }).toBe('8.00 EUR');
    });

    it('should show a refused price as the server words it, and keep the price', async () => {
      await page.click('#products tr[data-product-id="mug"]');
      expect(await page.inputValue('#price-form [name="currency"]')).toBe('EUR');
      await page.fill('#price-form [name="unitPrice"]', '0');
      await page.click('#price-form button[type="submit"]');

      await expect.poll(() => page.textContent('#message'), SETTLE).toBe('BAD_USER_INPUT: Unit price must be positive, got 0.00');
      expect(await page.getAttribute('#message', 'class')).toBe('error');
      expect(await productCell(page, 'mug', 'price')).toBe('8.00 EUR');
      expect(errors).toEqual([]);
    });

    it('should not offer the form or the figures to a customer, who still sees the prices', async () => {
      const customer = await openDashboard(browser, server, { role: 'customer', customerId: 'cust-1' });
      await expect.poll(() => productCell(customer.page, 'lamp', 'price'), SETTLE).toBe('29.99 USD');
      expect(await customer.page.isVisible('#price-form')).toBe(false);
      expect(await customer.page.isVisible('#figures-panel')).toBe(false);
      expect(customer.errors).toEqual([]);
    });
  });

  describe('when staff follow the figures', () => {
    let server: TestServer;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      server = await startTestServer();
      await placeOrder(server, 'figures-1');
      ({ page, errors } = await openDashboard(browser, server, { role: 'staff' }));
    });
    afterAll(() => server.dispose());

    it("should show staff the orders' figures by status and per day, and update them as orders change", async () => {
      const pending = async () => Number(await figure(page, 'PENDING', 'count'));
      await expect.poll(pending, SETTLE).toBe(1);
      const before = await pending();
      await placeOrder(server, 'figures-2');
      await expect.poll(pending, { timeout: LIVE_WITHIN_MS }).toBe(before + 1);
      expect(await figure(page, 'PENDING', 'amount')).toBe(`${(109.97 * (before + 1)).toFixed(2)} USD`);
      // Orders placed per day, one bar per day with orders: all of them today here.
      const bars = await page
        .locator('#orders-per-day rect')
        .evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('data-orders'))));
      expect(bars.reduce((sum, orders) => sum + orders, 0)).toBe(before + 1);
      expect(errors).toEqual([]);
    });
  });

  describe('when the catalog holds more than a page of products', () => {
    // Three pages of 40, 40 and 5: more products than a connection may follow (50), so following
    // every product listed, rather than the page shown, would be refused.
    const PER_PAGE = 40;
    const productIds = Array.from({ length: 85 }, (_, index) => `sku-${String(index + 1).padStart(3, '0')}`);
    let server: TestServer;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      server = await startTestServer();
      for (const productId of productIds) {
        await requestData(server.url, AddProductDocument, { input: { productId, name: `Item ${productId}`, quantity: 10 } });
      }
      ({ page, errors } = await openDashboard(browser, server, { role: 'staff' }));
    });
    afterAll(() => server.dispose());

    it('should page through every product, listing each once, and say which of how many it shows', async () => {
      await expect.poll(() => productIdsShown(page), SETTLE).toEqual(productIds.slice(0, PER_PAGE));
      expect(await page.textContent('#products-count')).toBe('1–40 of 85 products');
      expect(await page.isDisabled('#products-previous')).toBe(true);

      const listed = await productIdsShown(page);
      for (const [expected, count] of [
        [productIds.slice(PER_PAGE, 2 * PER_PAGE), '41–80 of 85 products'],
        [productIds.slice(2 * PER_PAGE), '81–85 of 85 products'],
      ] as const) {
        await page.click('#products-next');
        await expect.poll(() => productIdsShown(page), SETTLE).toEqual(expected);
        expect(await page.textContent('#products-count')).toBe(count);
        listed.push(...(await productIdsShown(page)));
      }
      expect(await page.isDisabled('#products-next')).toBe(true);
      expect(listed).toEqual(productIds);

      await page.click('#products-previous');
      await expect.poll(() => productIdsShown(page), SETTLE).toEqual(productIds.slice(PER_PAGE, 2 * PER_PAGE));
      expect(await page.textContent('#products-count')).toBe('41–80 of 85 products');
    });

    it('should show a change to a product on a later page live', async () => {
      await requestData(server.url, ChangePriceDocument, { input: { productId: 'sku-077', unitPrice: '12.00' } });
      await expect.poll(() => productCell(page, 'sku-077', 'price'), { timeout: LIVE_WITHIN_MS }).toBe('12.00 USD');
    });

    it('should list a product added later on its page, and count it', async () => {
      await requestData(server.url, AddProductDocument, { input: { productId: 'sku-086', name: 'Late item', quantity: 3 } });
      await page.click('#products-next');
      await expect.poll(() => productIdsShown(page), SETTLE).toEqual([...productIds.slice(2 * PER_PAGE), 'sku-086']);
      expect(await page.textContent('#products-count')).toBe('81–86 of 86 products');
      expect(await productCell(page, 'sku-086', 'onHand')).toBe('3');

      // And follows it: a later page's products are live once shown.
      await requestData(server.url, ChangePriceDocument, { input: { productId: 'sku-086', unitPrice: '5.00' } });
      await expect.poll(() => productCell(page, 'sku-086', 'price'), { timeout: LIVE_WITHIN_MS }).toBe('5.00 USD');
      expect(await page.textContent('#message')).toBe('');
      expect(errors).toEqual([]);
    });
  });

  describe('when a customer signs in', () => {
    it("should show that customer's orders only, live, with their history", async () => {
      const server = await startTestServer();
      await placeOrder(server, 'mine-1', 'cust-2');
      await placeOrder(server, 'theirs-1', 'cust-1');
      const { page, errors } = await openDashboard(browser, server, { role: 'customer', customerId: 'cust-2' });
      await expect.poll(() => cell(page, 'mine-1', 'status'), SETTLE).toBe('PENDING');
      expect(await page.inputValue('#place-form [name="customerId"]')).toBe('cust-2');

      await placeOrder(server, 'theirs-2', 'cust-1');
      await placeOrder(server, 'mine-2', 'cust-2');
      await expect.poll(() => cell(page, 'mine-2', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('PENDING');
      await page.click('tr[data-order-id="mine-2"]');
      await expect.poll(() => historyTypes(page), SETTLE).toEqual(['OrderPlaced']);
      // Payments come from the payment provider and shipping from staff: a customer may only cancel.
      expect(await page.isVisible('#cancel-form')).toBe(true);
      expect([await page.isVisible('#pay-form'), await page.isVisible('#ship-form')]).toEqual([false, false]);
      expect(await page.locator('#orders tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-order-id')))).toEqual([
        'mine-2',
        'mine-1',
      ]);
      expect(errors).toEqual([]);
      await server.dispose();
    });
  });

  describe('when the server restarts', () => {
    it('should reconnect on its own and show what changed while it was away, once', async () => {
      const first = await startTestServer();
      const { databaseFile, port } = first;
      await placeOrder(first, 'kept-1');
      const { page, errors } = await openDashboard(browser, first, ADMIN);
      await expect.poll(() => cell(page, 'kept-1', 'status'), SETTLE).toBe('PENDING');
      await page.click('tr[data-order-id="kept-1"]');
      await expect.poll(() => historyTypes(page), SETTLE).toEqual(['OrderPlaced']);

      // 1. The server goes away; the page notices.
      await first.dispose();
      await page.waitForSelector('#connection:not([data-state="live"])');

      // 2. Changes made while the page cannot see them, by a server on another port over the same log.
      const meanwhile = await startTestServer({ databaseFile });
      await requestData(meanwhile.url, ReceivePaymentDocument, {
        input: { orderId: 'kept-1', paymentId: 'pay-kept-1', amount: '109.97', method: 'credit_card' },
      });
      await placeOrder(meanwhile, 'while-away');
      await meanwhile.dispose();

      // 3. The server is back where the page knows it; the page resumes from the last position it saw.
      const second = await startTestServer({ databaseFile, config: { port } });
      await page.waitForSelector('#connection[data-state="live"]', { timeout: RECONNECT_WITHIN_MS });
      await expect.poll(() => cell(page, 'while-away', 'status'), { timeout: RECONNECT_WITHIN_MS }).toBe('PENDING');
      await expect.poll(() => cell(page, 'kept-1', 'status'), SETTLE).toBe('PAID');
      await expect.poll(() => historyTypes(page), SETTLE).toEqual(['OrderPlaced', 'PaymentReceived']);

      // 4. And it is live again.
      await requestData(second.url, CancelOrderDocument, { input: { orderId: 'while-away', reason: 'changed my mind' } });
      await expect.poll(() => cell(page, 'while-away', 'status'), { timeout: LIVE_WITHIN_MS }).toBe('CANCELLED');
      await requestData(second.url, ShipOrderDocument, { input: { orderId: 'kept-1', trackingNumber: '1Z1', carrier: 'UPS' } });
      await expect.poll(() => historyTypes(page), { timeout: LIVE_WITHIN_MS }).toEqual(['OrderPlaced', 'PaymentReceived', 'OrderShipped']);
      expect(await page.locator('#orders tbody tr').count()).toBe(2);

      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
      // The only errors allowed are the browser's own reports of the refused connections while the server was down.
      expect(errors.filter((error) => !/ERR_CONNECTION_REFUSED|WebSocket connection to/.test(error))).toEqual([]);
      await second.dispose();
    });
  });

  describe('in development mode (ORDERSTREAM_DEV_AUTH=1)', () => {
    it('should offer a button per development user, signing in with one', async () => {
      const server = await startTestServer({
        config: { developmentTokens: true, auth: { ...DEFAULT_CONFIG.auth, secret: DEVELOPMENT_JWT_SECRET } },
      });
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.click('#dev-tokens button[data-dev-token="admin"]');
      await page.waitForSelector('#connection[data-state="live"]');
      expect(errors).toEqual([]);
      await server.dispose();
    });
  });
});

/** Opens `/` and signs in by pasting the user's token, as a person would; resolves once the page is live. */
async function openDashboard(
  browser: Browser,
  server: TestServer,
  user: TestUser,
  /** Runs before the page loads: to route its requests. */
  prepare: (page: Page) => Promise<void> = async () => {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = collectErrors(page);
  await prepare(page);
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.fill('#token', await bearer(user));
  await page.click('#token-form button[type="submit"]');
  await page.waitForSelector('#connection[data-state="live"]');
  return { page, errors };
}

async function placeOrder(server: TestServer, orderId: string, customerId = 'cust-1'): Promise<void> {
  await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId }) });
}

/** A cell of an order's row, or null while the row is not there. */
async function cell(page: Page, orderId: string, field: string): Promise<string | null> {
  const locator = page.locator(`#orders tr[data-order-id="${orderId}"] [data-field="${field}"]`);
  return (await locator.count()) === 0 ? null : locator.textContent();
}

/** A cell of the figures' row for a status, or null while the row is not there. */
async function figure(page: Page, status: string, field: string): Promise<string | null> {
  const locator = page.locator(`#figures tr[data-status="${status}"] [data-field="${field}"]`);
  return (await locator.count()) === 0 ? null : locator.textContent();
}

async function productCell(page: Page, productId: string, field: string): Promise<string | null> {
  const locator = page.locator(`#products tr[data-product-id="${productId}"] [data-field="${field}"]`);
  return (await locator.count()) === 0 ? null : locator.textContent();
}

/** The product ids of the stock table's rows, top to bottom. */
function productIdsShown(page: Page): Promise<(string | null)[]> {
  return page.locator('#products tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-product-id')));
}

function historyTypes(page: Page): Promise<(string | null)[]> {
  return page.locator('#history li').evaluateAll((items) => items.map((item) => item.getAttribute('data-event-type')));
}
