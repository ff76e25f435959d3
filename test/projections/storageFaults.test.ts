import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { createLogger } from '../../src/logging/logger.js';
import type { ProcessDefinition } from '../../src/processes/process.js';
import { Processes } from '../../src/processes/processes.js';
import { orderViewModel } from '../../src/projections/orderView/readModel.js';
import { ProjectionEngine } from '../../src/projections/sqlite/engine.js';
import { newEvent } from '../eventstore/eventStoreContract.js';

/**
 * A storage fault (here another connection's write lock, held past a 50 ms busy timeout) met by a
 * read model or a process while it applies an event is no bug of theirs: they are not FAILED, a
 * mutation waiting to read its own write is answered at once with SERVICE_UNAVAILABLE, and both go
 * on from where they were once the storage takes writes again.
 */
describe('Read models and processes during a storage fault', () => {
  const logger = createLogger({ level: 'silent', format: 'json' });
  const NOW = '2025-01-10T10:00:00.000Z';
  let directory: string;
  let file: string;
  let db: Database.Database;
  let store: SqliteEventStore;
  let locker: Database.Database;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-faults-'));
    file = join(directory, 'orderstream.db');
    db = openDatabase(file, { busyTimeoutMs: 50 });
    store = new SqliteEventStore(db);
    locker = new Database(file);
  });
  afterEach(async () => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const place = (orderId: string) =>
    new OrderCommands(store).execute(
      {
        type: 'PlaceOrder',
        data: {
          orderId,
          customerId: 'c-1',
          items: [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 100 }],
          currency: 'USD',
          now: NOW,
        },
      },
      { userId: 'u-1', correlationId: 'k-1' },
    );

  it('should keep a read model LIVE, answer read-your-writes with SERVICE_UNAVAILABLE, and apply the event once the fault clears', async () => {
    // Polled only when asked, so the event waits for the fault.
    const engine = new ProjectionEngine(db, store, [orderViewModel], { pollIntervalMs: 60_000, logger });
    await engine.start();
    try {
      const { lastPosition } = await place('o-1');
      locker.exec('BEGIN IMMEDIATE');

      const started = Date.now();
      const error = await engine.waitFor(lastPosition, ['orderView']).then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(
          /^The change was stored, but the orderView read model cannot show it yet: .*locked by another process.*SQLITE_BUSY/,
        ),
      });
      expect(await engine.status()).toMatchObject([{ name: 'orderView', state: 'LIVE', position: 0, lagEvents: 1, lastError: null }]);

      locker.exec('ROLLBACK');
      await engine.waitFor(lastPosition, ['orderView']);
      expect(await engine.status()).toMatchObject([{ name: 'orderView', state: 'LIVE', position: lastPosition, lastError: null }]);
      expect(db.prepare('SELECT order_id, version FROM order_views').all()).toEqual([{ order_id: 'o-1', version: 1 }]);
    } finally {
      await engine.stop();
    }
  });

  it('should keep a process LIVE at its checkpoint, and handle the event once the fault clears', async () => {
    await place('o-1');
    const handled: number[] = [];
    const definition: ProcessDefinition = {
      name: 'follower',
      handles: ['OrderPlaced'],
      batchSize: 1,
      async handle([event]: readonly StoredEvent[]) {
        // Its effect is a write, as a process manager's commands are.
        await store.append(`follow-${event!.eventId}`, 'Follow', [newEvent('Followed', {})], { expectedVersion: 'no_stream' });
        handled.push(event!.position);
      },
    };
    const processes = new Processes(db, store, [definition], 60_000, logger);
    locker.exec('BEGIN IMMEDIATE');
    processes.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(handled).toEqual([]);
      expect((await processes.status())[0]).toMatchObject({ state: 'LIVE', position: 0, lastError: null });

      locker.exec('ROLLBACK');
      processes.poke();
      await expect.poll(() => handled).toEqual([1]);
      await expect.poll(async () => (await processes.status())[0]).toMatchObject({ state: 'LIVE', position: 2, lastError: null });
    } finally {
      await processes.stop();
    }
  });
});
