import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  ForgetCustomerDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { killHard, startChildServer } from '../support/childServer.js';
import '../support/killChildServersAfterAll.js';
import { request, requestData } from '../support/graphqlClient.js';
import { consumeAll, deleteStream, natsReachable, OwnNatsServer, type Received, SHARED_NATS_URL } from '../support/nats.js';
import { referenceOrder } from '../support/orders.js';
import { ALICE, expectNoneOf, valuesOf } from '../support/personalData.js';
import { settled } from '../support/processes.js';
import { startTestServer } from '../support/startServer.js';

const reachable = await natsReachable(SHARED_NATS_URL);
if (!reachable) console.warn(`NATS publisher tests skipped: no NATS server with JetStream at ${SHARED_NATS_URL} (CI provides one).`);

/** A stream and subject prefix of the test's own, so runs never see each other's messages. */
function isolatedNats(url: string) {
  const suffix = randomUUID().slice(0, 8);
  return { url, stream: `OS_TEST_${suffix}`, subjectPrefix: `ostest_${suffix}` };
}

const streamsToDelete: { url: string; stream: string }[] = [];
afterAll(async () => {
  for (const { url, stream } of streamsToDelete) await deleteStream(url, stream);
});

function loggedEvents(databaseFile: string): { event_id: string; position: number; stream_id: string }[] {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db.prepare('SELECT event_id, position, stream_id FROM events ORDER BY position').all() as never;
  } finally {
    db.close();
  }
}

/** Every logged event arrived exactly once, with its id as message id, in position order per subject. */
function expectEveryEventOnce(received: Received[], databaseFile: string, subjectPrefix: string): void {
  const logged = loggedEvents(databaseFile);
  const ids = received.map((message) => message.messageId);
  expect(new Set(ids).size, 'no event twice').toBe(ids.length);
  expect([...ids].sort()).toEqual(logged.map((event) => event.event_id).sort());
  for (const message of received) {
    expect(message.envelope.eventId).toBe(message.messageId);
    expect(message.subject.startsWith(`${subjectPrefix}.`)).toBe(true);
  }
  const bySubject = new Map<string, number[]>();
  for (const message of received) bySubject.set(message.subject, [...(bySubject.get(message.subject) ?? []), message.envelope.position]);
  for (const [subject, positions] of bySubject) expect(positions, subject).toEqual([...positions].sort((a, b) => a - b));
}

describe.skipIf(!reachable)('Publishing the log to NATS JetStream', () => {
  it('should deliver every event of a run to a durable consumer exactly once, in position order per order subject', async () => {
    const nats = isolatedNats(SHARED_NATS_URL);
    streamsToDelete.push(nats);
    const server = await startTestServer({ config: { nats } });
    for (let n = 0; n < 6; n++) {
      const { placeOrder } = await requestData(server.url, PlaceOrderDocument, {
        input: referenceOrder({ orderId: `nats-${n}`, customerId: `c-${n % 2}` }),
      });
      if (n % 2 === 0) {
        await requestData(server.url, ReceivePaymentDocument, {
          input: { orderId: placeOrder.id, paymentId: `p-${n}`, amount: '109.97', method: 'card' },
        });
      }
      if (n % 4 === 0)
        await requestData(server.url, ShipOrderDocument, { input: { orderId: placeOrder.id, trackingNumber: 'T', carrier: 'UPS' } });
    }
    await settled(server.url);

    const received = await consumeAll(nats.url, nats.stream, 'consumer-1');

    expectEveryEventOnce(received, server.databaseFile, nats.subjectPrefix);
    expect(
      received.filter((message) => message.subject === `${nats.subjectPrefix}.Order.order-nats-0`).map((m) => m.envelope.type),
    ).toEqual(['OrderPlaced', 'PaymentReceived', 'OrderShipped']);
    await server.dispose();
  });

  it("should publish a customer's shipping details only sealed, and their CustomerForgotten for consumers to erase copies", async () => {
    const nats = isolatedNats(SHARED_NATS_URL);
    streamsToDelete.push(nats);
    const server = await startTestServer({ config: { nats } });
    await requestData(server.url, PlaceOrderDocument, {
      input: referenceOrder({ orderId: 'nats-ship', customerId: 'cust-alice', shipping: ALICE }),
    });
    await requestData(server.url, ForgetCustomerDocument, { customerId: 'cust-alice' });
    await settled(server.url);

    const received = await consumeAll(nats.url, nats.stream, 'consumer-personal');
    expectEveryEventOnce(received, server.databaseFile, nats.subjectPrefix);
    const placed = received.find((message) => message.envelope.type === 'OrderPlaced')!;
    expect((placed.envelope.data as { shipping: string }).shipping).toMatch(/^ps2\./);
    expect(received.find((message) => message.subject === `${nats.subjectPrefix}.Customer.customer-cust-alice`)?.envelope.type).toBe(
      'CustomerForgotten',
    );
    expectNoneOf(valuesOf(ALICE), JSON.stringify(received), 'the NATS messages');
    await server.dispose();
  });

  it('should still deliver every event once after the server is killed with -9 mid-publish, again and again', async () => {
    const nats = isolatedNats(SHARED_NATS_URL);
    streamsToDelete.push(nats);
    const databaseFile = join(mkdtempSync(join(tmpdir(), 'orderstream-nats-kill-')), 'orderstream.db');
    const env = { NATS_URL: nats.url, NATS_STREAM: nats.stream, NATS_SUBJECT_PREFIX: nats.subjectPrefix };
    let sequence = 0;
    for (let round = 0; round < 3; round++) {
      const server = await startChildServer(databaseFile, env);
      let killed = false;
      let placed = 0;
      const writers = Array.from({ length: 4 }, async () => {
        while (!killed) {
          const answer = await request(server.url, PlaceOrderDocument, {
            input: referenceOrder({ customerId: `c-${++sequence % 5}` }),
          }).catch(() => undefined);
          if (answer?.data) placed++;
        }
      });
      // Killed after a random number of orders, while they are still being published.
      const killAfter = 5 + Math.floor(Math.random() * 20);
      await vi.waitFor(() => expect(placed).toBeGreaterThanOrEqual(killAfter), { timeout: 20_000, interval: 5 });
      killed = true;
      await killHard(server);
      await Promise.all(writers);
    }
    const last = await startChildServer(databaseFile, env);
    await settled(last.url, 60_000);
    await killHard(last);

    const received = await consumeAll(nats.url, nats.stream, 'consumer-after-kills');

    expect(received.length).toBeGreaterThan(10);
    expectEveryEventOnce(received, databaseFile, nats.subjectPrefix);
    // Four server processes start (about 15 s here).
  }, 60_000);

  it('should keep taking orders while the broker is down, and deliver everything once it is back', async () => {
    const broker = await OwnNatsServer.create();
    await broker.start();
    const nats = isolatedNats(broker.url);
    const server = await startTestServer({ config: { nats } });
    const place = async (n: number) =>
      (await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: `outage-${n}` }) })).errors;

    for (let n = 0; n < 5; n++) expect(await place(n)).toBeUndefined();
    await settled(server.url);
    await broker.stop();
    for (let n = 5; n < 15; n++) expect(await place(n)).toBeUndefined();
    await expect
      .poll(
        async () =>
          (await requestData(server.url, ProjectionsDocument, {})).projections.find((status) => status.name === 'natsPublisher')!.lagEvents,
      )
      .toBeGreaterThan(0);

    await broker.start();
    await settled(server.url, 60_000);
    const received = await consumeAll(nats.url, nats.stream, 'consumer-after-outage');

    expect(received).toHaveLength(15);
    expectEveryEventOnce(received, server.databaseFile, nats.subjectPrefix);
    await server.dispose();
    await broker.stop();
    // The publisher's retry backoff grows to 10 s while the broker is down (about 8 s here).
  }, 60_000);
});
