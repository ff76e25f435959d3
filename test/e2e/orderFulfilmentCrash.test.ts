import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PlaceOrderDocument } from '../generated/graphql.js';
import { type ChildServer, killHard, startChildServer } from '../support/childServer.js';
import { killSchedule } from '../support/crashLoop/killSchedule.js';
import { crashCycles, crashSeed, seedLine } from '../support/crashSettings.js';
import { request } from '../support/graphqlClient.js';
import '../support/killChildServersAfterAll.js';
import { settled } from '../support/processes.js';
import { seededRandom } from '../support/seededRandom.js';
import { InventoryCommands } from '../../src/application/inventoryCommands.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';

const MANAGED = { p1: 40, p2: 25 } as const;
/** 4 in `npm test`; `npm run test:crash` runs 200. */
const ROUNDS = crashCycles(4);
const WRITERS = 4;
const SEED = crashSeed();

type Row = { stream_id: string; type: string; data: string };

describe('The orderFulfilment process killed with -9 at random moments under load', () => {
  it(
    'should never double a reservation, and leave every placed order reserved or cancelled',
    async () => {
      const databaseFile = join(mkdtempSync(join(tmpdir(), 'orderstream-crash-')), 'orderstream.db');
      const setup = new SqliteEventStore(openDatabase(databaseFile));
      const now = new Date().toISOString();
      for (const [productId, quantity] of Object.entries(MANAGED)) {
        await new InventoryCommands(setup).execute(
          { type: 'AddProduct', data: { productId, name: productId, quantity, now } },
          { userId: 'setup', correlationId: 'setup' },
        );
      }
      await setup.close();

      console.log(`${seedLine('orderFulfilment crash', SEED)}: ${ROUNDS} rounds`);
      const nextKillAfterMs = killSchedule(seededRandom(SEED, 'kills'), [300, 1200]);
      let sequence = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const server = await startChildServer(databaseFile);
        let killed = false;
        const writers = Array.from({ length: WRITERS }, async () => {
          while (!killed) {
            const n = ++sequence;
            const items = [
              { productId: n % 2 ? 'p1' : 'p2', name: 'managed', quantity: 1 + (n % 3), unitPrice: '5.00' },
              ...(n % 3 === 0 ? [{ productId: 'p1', name: 'again', quantity: 1, unitPrice: '5.00' }] : []),
              ...(n % 4 === 0 ? [{ productId: 'unmanaged', name: 'gift', quantity: 1, unitPrice: '1.00' }] : []),
            ];
            await request(server.url, PlaceOrderDocument, { input: { customerId: `c-${n % 7}`, items } }).catch(() => undefined);
          }
        });
        await sleep(nextKillAfterMs());
        killed = true;
        await killHard(server);
        await Promise.all(writers);
      }

      const finalServer: ChildServer = await startChildServer(databaseFile);
      await settled(finalServer.url, 60_000).catch((error: unknown) => {
        throw new Error(`${String(error)}; the server's last output:\n${finalServer.output()}`, { cause: error });
      });
      await killHard(finalServer);

      const db = new Database(databaseFile, { readonly: true });
      const rows = db.prepare('SELECT stream_id, type, data FROM events ORDER BY position').all() as Row[];
      db.close();
      const events = rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, any> }));

      const placed = events.filter((event) => event.type === 'OrderPlaced');
      expect(placed.length).toBeGreaterThan(ROUNDS * 5);
      const perPair = new Map<string, string[]>();
      for (const event of events.filter((e) => e.stream_id.startsWith('product-') && e.data.orderId)) {
        const pair = `${event.data.productId}/${event.data.orderId}`;
        perPair.set(pair, [...(perPair.get(pair) ?? []), event.type]);
      }
      // Never twice the same step for one order and product.
      for (const [pair, types] of perPair) expect(new Set(types).size, `${pair}: ${types.join(', ')}`).toBe(types.length);

      for (const order of placed) {
        const { orderId, items } = order.data as { orderId: string; items: { productId: string }[] };
        const managed = [...new Set(items.map((item) => item.productId))].filter((id) => id in MANAGED);
        const cancelled = events.find((e) => e.type === 'OrderCancelled' && e.data.orderId === orderId);
        if (cancelled) {
          expect(cancelled.data.reason).toMatch(/^out of stock: /);
          // Whatever was reserved for it was released.
          for (const productId of managed) {
            const steps = perPair.get(`${productId}/${orderId}`) ?? [];
            if (steps.includes('StockReserved')) expect(steps).toContain('ReservationReleased');
          }
        } else {
          for (const productId of managed)
            expect(perPair.get(`${productId}/${orderId}`), `${orderId} ${productId}`).toEqual(['StockReserved']);
        }
      }

      // The stock ran out during the run, so both outcomes were exercised.
      expect(events.some((e) => e.type === 'OrderCancelled')).toBe(true);
      expect(events.some((e) => e.type === 'StockReserved')).toBe(true);

      for (const [productId, stock] of Object.entries(MANAGED)) {
        const held = events
          .filter((e) => e.stream_id === `product-${productId}`)
          .reduce(
            (sum, e) => sum + (e.type === 'StockReserved' ? e.data.quantity : e.type === 'ReservationReleased' ? -e.data.quantity : 0),
            0,
          );
        expect(held).toBeGreaterThanOrEqual(0);
        expect(held).toBeLessThanOrEqual(stock);
      }
    },
    60_000 + ROUNDS * 15_000,
  );
});
