import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdersChangedDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { ADMIN, bearer } from '../support/auth.js';
import { requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { parsePrometheusText } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/startServer.js';
import { nextData, waitUntil } from '../support/subscriptionReading.js';

describe('Subscription fan-out', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const executions = async () =>
    parsePrometheusText(await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text()).value(
      'orderstream_subscription_executions_total',
    ) ?? 0;

  it('should execute a change once for all subscribers asking the same thing, and once per other question', async () => {
    const staff = { authorization: await bearer({ role: 'staff' }) };
    const admin = { authorization: await bearer(ADMIN) };
    const subscribers = [
      // Three staff with the same document and variables share one execution.
      subscribe(wsClient(server.wsUrl, staff), OrdersChangedDocument, {}),
      subscribe(wsClient(server.wsUrl, staff), OrdersChangedDocument, {}),
      subscribe(wsClient(server.wsUrl, staff), OrdersChangedDocument, {}),
      // Another role, and other variables: one execution each.
      subscribe(wsClient(server.wsUrl, admin), OrdersChangedDocument, {}),
      subscribe(wsClient(server.wsUrl, staff), OrdersChangedDocument, { status: 'PENDING' }),
    ];
    await waitUntil(() => server.services.orderChanges.subscriberCount === subscribers.length);
    const before = await executions();

    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'fan-out-1' }) });
    const received = await Promise.all(subscribers.map((subscription) => nextData(subscription)));

    for (const data of received) expect(data.ordersChanged).toEqual(received[0]!.ordersChanged);
    expect(received[0]!.ordersChanged).toMatchObject({ id: 'fan-out-1', version: 1 });
    expect((await executions()) - before).toBe(3);
    await Promise.all(subscribers.map((subscription) => subscription.return?.()));
  });
});
