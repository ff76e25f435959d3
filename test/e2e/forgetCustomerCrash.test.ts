import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { ForgetCustomerDocument, GetOrderDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { type ChildServer, killAllChildren, killHard, startChildServer } from '../support/childServer.js';
import { crashCycles, crashSeed, seedLine } from '../support/crashSettings.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { ALICE, ERASED } from '../support/personalData.js';
import { seededRandom } from '../support/seededRandom.js';
import { newTempDirectory } from '../support/startServer.js';

const CUSTOMERS_PER_CYCLE = 20;

afterAll(() => killAllChildren());

it('should leave each customer forgotten (key gone, fields erased, the event written once) or not at all, killed with -9 at random moments', async () => {
  const seed = crashSeed();
  const cycles = crashCycles(3);
  console.log(seedLine('forgetCustomer crash', seed), `: ${cycles} cycles`);
  const random = seededRandom(seed, 'forgetCustomer');
  const databaseFile = join(newTempDirectory(), 'forget.db');
  let server: ChildServer = await startChildServer(databaseFile);
  for (let cycle = 0; cycle < cycles; cycle++) {
    const customers = Array.from({ length: CUSTOMERS_PER_CYCLE }, (_, index) => `crash-${cycle}-${index}`);
    for (const customerId of customers) {
      await requestData(server.url, PlaceOrderDocument, {
        input: referenceOrder({ orderId: `o-${customerId}`, customerId, shipping: ALICE }),
      });
    }
    // Every forget at once, and the process killed while they run.
    const acknowledged = new Set<string>();
    const forgets = customers.map((customerId) =>
      request(server.url, ForgetCustomerDocument, { customerId }).then(
        (answer) => answer.data?.forgetCustomer && acknowledged.add(customerId),
        () => undefined,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 60)));
    await killHard(server);
    await Promise.all(forgets);

    // At start the server writes the event of any erasure the crash left without one.
    server = await startChildServer(databaseFile);
    const db = new Database(databaseFile, { readonly: true });
    let erased = 0;
    try {
      for (const customerId of customers) {
        const shipping = (await requestData(server.url, GetOrderDocument, { id: `o-${customerId}` })).order?.shipping;
        const keys = db.prepare('SELECT count(*) FROM customer_keys WHERE customer_id = ?').pluck().get(customerId);
        const erasures = db.prepare('SELECT count(*) FROM customer_erasures WHERE customer_id = ?').pluck().get(customerId);
        const events = db
          .prepare("SELECT count(*) FROM events WHERE stream_id = ? AND type = 'CustomerForgotten'")
          .pluck()
          .get(`customer-${customerId}`);
        const forgotten = shipping?.status === 'ERASED';
        const where = `${customerId} (cycle ${cycle})`;
        if (forgotten) {
          erased++;
          expect(shipping, where).toEqual(ERASED);
          expect([keys, erasures, events], where).toEqual([0, 1, 1]);
        } else {
          expect(shipping, where).toEqual({ status: 'AVAILABLE', ...ALICE });
          expect([keys, erasures, events], where).toEqual([1, 0, 0]);
          expect(acknowledged.has(customerId), `${where} was acknowledged as forgotten`).toBe(false);
        }
      }
      expect(db.prepare('SELECT count(*) FROM customer_erasures WHERE recorded = 0').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    console.log(`cycle ${cycle}: ${erased} of ${customers.length} forgotten, ${acknowledged.size} acknowledged before the kill`);
  }
  await killHard(server);
});
