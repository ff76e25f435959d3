import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderDocument, ReceivePaymentDocument } from '../generated/graphql.js';
import { ADMIN, bearer } from '../support/auth.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';
import { chromiumMissing, collectErrors, launchChromium } from './chromium.js';

/** For what has no deadline of its own: generous, so that a busy machine does not fail it. */
const SETTLE = { timeout: 5_000 };

describe.skipIf(chromiumMissing)('GraphiQL at /graphiql', () => {
  let browser: Browser;
  let server: TestServer;
  let page: Page;
  let errors: string[];
  const requested: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startTestServer();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = collectErrors(page);
    page.on('request', (request) => requested.push(request.url()));
    page.on('websocket', (socket) => requested.push(socket.url()));
    // Signing in on the dashboard stores the token the explorer starts with.
    await page.goto(`${origin(server)}/`);
    await page.fill('#token', await bearer(ADMIN));
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('#connection[data-state="live"]');
    const introspected = page.waitForResponse(
      (response) => response.url().endsWith('/graphql') && /IntrospectionQuery/.test(response.request().postData() ?? ''),
    );
    await page.goto(`${origin(server)}/graphiql`);
    expect((await introspected).status()).toBe(200);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  });
  afterAll(() => server.dispose());

  it('should load with every request going to this server only', () => {
    const local = new RegExp(`^(https?|wss?)://127\\.0\\.0\\.1:${server.port}/|^data:`);
    expect(requested.filter((url) => !local.test(url))).toEqual([]);
    expect(requested).toContain(`${origin(server)}/graphiql/vendor/graphiql.js`);
  });

  it('should run a subscription over graphql-ws: the order now, then its change', async () => {
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'explorer-1' }) });
    await setQuery(page, 'subscription Watch {\n  orderUpdated(id: "explorer-1") { id status version }\n}\n');
    // Until GraphiQL has parsed the new text, it still sees the default query's two operations, and
    // its button opens a menu to choose one instead of running.
    await page.click('.graphiql-execute-button:not([aria-haspopup])', SETTLE);
    await page.waitForSelector('.graphiql-execute-button[aria-label^="Stop"]', SETTLE);
    await expect.poll(() => resultText(page), SETTLE).toMatch(/"id": "explorer-1",\s*"status": "PENDING"/);

    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: 'explorer-1', paymentId: 'pay-explorer-1', amount: '109.97', method: 'credit_card' },
    });
    await expect.poll(() => resultText(page), { timeout: 1_000 }).toMatch(/"id": "explorer-1",\s*"status": "PAID"/);
    expect(requested.some((url) => url === `ws://127.0.0.1:${server.port}/graphql`)).toBe(true);
    expect(errors).toEqual([]);
  });
});

function origin(server: TestServer): string {
  return `http://127.0.0.1:${server.port}`;
}

/** Replaces the query editor's text through CodeMirror, which types no closing brackets of its own. */
async function setQuery(page: Page, query: string): Promise<void> {
  await page.evaluate((text) => {
    const editor = (globalThis as unknown as BrowserGlobals).document.querySelector('.graphiql-query-editor .CodeMirror') as {
      CodeMirror: { setValue(value: string): void };
    };
    editor.CodeMirror.setValue(text);
  }, query);
}

function resultText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const result = (globalThis as unknown as BrowserGlobals).document.querySelector('.result-window .CodeMirror') as {
      CodeMirror?: { getValue(): string };
    } | null;
    return result?.CodeMirror?.getValue() ?? '';
  });
}

/** The page's document, written inside each page.evaluate callback (they run in the browser; the tests' TypeScript has no DOM types). */
type BrowserGlobals = { document: { querySelector(selector: string): unknown } };
