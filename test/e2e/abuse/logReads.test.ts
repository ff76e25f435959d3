import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsDocument, PlaceOrderDocument } from '../../generated/graphql.js';
import { bearer, type TestUser } from '../../support/auth.js';
import { requestData } from '../../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../../support/orders.js';
import { parsePrometheusText } from '../../support/prometheus.js';
import { startTestServer, type TestServer } from '../../support/startServer.js';

// Asserted by the work the server did (its /metrics counter of reads that waited), never by timing.

const BUDGET = 100;
const PAGER: TestUser = { role: 'staff', sub: 'staff-pager' };
const OTHER_STAFF: TestUser = { role: 'staff', sub: 'staff-other' };

describe("A caller's budget of events read from the log", () => {
  let server: TestServer;
  const metrics = async () => parsePrometheusText(await (await fetch(new URL('/metrics', server.url))).text());
  const paced = async () => (await metrics()).value('orderstream_log_reads_paced_total') ?? 0;
  const page = async (user: TestUser, after: number) =>
    (await requestData(server.url, EventsDocument, { after, first: 100 }, { authorization: await bearer(user) })).events;

  beforeAll(async () => {
    server = await startTestServer({ config: { logReadBudget: BUDGET } });
    await addReferenceProducts(server.url);
    for (let n = 0; n < 5; n++) await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
  });
  afterAll(() => server.dispose());

  it('should make a caller paging past its budget wait, answer every page in full, and not pace anyone else', async () => {
    expect(await paced()).toBe(0);
    const head = (await page(PAGER, 0)).endPosition;
    // Twice a second's budget in pages of the whole log: past the first second's, the pager waits.
    const pages = [];
    for (let read = 0; read * head < 2 * BUDGET; read++) pages.push(await page(PAGER, 0));
    const pacedAfterPager = await paced();
    expect(pacedAfterPager).toBeGreaterThanOrEqual(2);
    for (const answered of pages) expect(answered.endPosition).toBe(head);

    // Another staff user, and a customer placing an order, wait for nothing meanwhile.
    await page(OTHER_STAFF, 0);
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    expect(await paced()).toBe(pacedAfterPager);
  });
});
