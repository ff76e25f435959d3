import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inventoryEventTypes } from '../../src/domain/inventory/index.js';
import { orderEventTypes } from '../../src/domain/order/index.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { readModels } from '../../src/projections/definitions.js';
import type { AnyReadModel } from '../../src/projections/readModel.js';
import { ProjectionEngine } from '../../src/projections/sqlite/engine.js';
import { commandSequence, readWholeLog, runHistory } from './commandHistories.js';

/**
 * Whatever the command history (valid and refused commands mixed), every read model the server runs
 * must be a pure function of the log: the tables built live, event by event, equal the tables a
 * rebuild produces beside them, and equal the tables a fresh engine builds from a copy of the log.
 * Iterates over readModels, so projections added there are covered automatically.
 */

type TableDump = Record<string, unknown[]>;

describe('Projection rebuild', () => {
  it('should produce, for any command history, the same tables live, after a rebuild and from a copy of the log', async () => {
    const stats = { runs: 0, runsWithRows: 0, accepted: 0, refused: 0, eventTypes: new Set<string>() };

    await fc.assert(
      fc.asyncProperty(
        commandSequence,
        fc.integer({ min: 1, max: 7 }), // live batch size
        fc.integer({ min: 1, max: 7 }), // rebuild batch size: small, so the rebuild loops and swaps mid-stream
        async (commands, batchSize, rebuildBatchSize) => {
          const directory = mkdtempSync(join(tmpdir(), 'orderstream-rebuild-prop-'));
          const opened: { engine?: ProjectionEngine; store?: SqliteEventStore }[] = [];
          try {
            // 1. The live side: engine started on an empty log, commands through the real OrderCommands and InventoryCommands.
            const db = openDatabase(join(directory, 'live.db'), { synchronous: 'NORMAL' });
            const store = new SqliteEventStore(db);
            const definitions = [...readModels];
            const engine = new ProjectionEngine(db, store, definitions, { batchSize, rebuildBatchSize });
            opened.push({ engine, store });
            await engine.start();
            const { accepted, refused } = await runHistory(store, commands, (lastPosition) => engine.waitFor(lastPosition));
            stats.accepted += accepted;
            stats.refused += refused;
            const head = await store.headPosition();
            await engine.waitFor(head);
            await expectAllLive(engine, head);
            const live = dumpAll(db, definitions);

            // 2. Rebuild each projection beside the live tables and swap: nothing may change.
            for (const definition of definitions) {
              const before = liveGeneration(db, definition.name);
              await engine.rebuild(definition.name);
              expect(liveGeneration(db, definition.name), `${definition.name} swapped to a new generation`).toBeGreaterThan(before);
            }
            await expectAllLive(engine, head);
            expect(dumpAll(db, definitions)).toEqual(live);

            // 3. A fresh engine on another file holding only a copy of the log.
            const copyDb = openDatabase(join(directory, 'copy.db'), { synchronous: 'NORMAL' });
            const copyStore = new SqliteEventStore(copyDb);
            opened.push({ store: copyStore });
            const original = await readWholeLog(store);
            for (const event of original) stats.eventTypes.add(event.type);
            await copyLog(original, copyStore);
            expect(await readWholeLog(copyStore), 'the copy holds the same events at the same positions').toEqual(original);
            const copyDefinitions = [...readModels];
            const fresh = new ProjectionEngine(copyDb, copyStore, copyDefinitions, { batchSize: rebuildBatchSize });
            opened.push({ engine: fresh });
            await fresh.start();
            await fresh.waitFor(head);
            await waitUntilNotBuilding(fresh);
            await expectAllLive(fresh, head);
            expect(dumpAll(copyDb, copyDefinitions)).toEqual(live);

            stats.runs++;
            if (Object.values(live).some((rows) => rows.length > 0)) stats.runsWithRows++;
          } finally {
            for (const { engine } of opened) await engine?.stop();
            for (const { store } of opened) await store?.close();
            rmSync(directory, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 25 },
    );

    // The property is only worth something if the histories actually built rows and mixed outcomes.
    expect(stats.runs).toBe(25);
    expect(stats.runsWithRows).toBeGreaterThan(10);
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.refused).toBeGreaterThan(0);
    expect([...stats.eventTypes].sort()).toEqual([...orderEventTypes, ...inventoryEventTypes].sort());
  });
});

/** Every logical table of every projection, rows sorted by all their columns. */
function dumpAll(db: Database.Database, definitions: readonly AnyReadModel[]): TableDump {
  const dump: TableDump = {};
  for (const definition of definitions) {
    for (const logical of Object.keys(definition.tables)) {
      const columnCount = db.prepare(`SELECT * FROM ${logical}`).columns().length;
      const orderBy = Array.from({ length: columnCount }, (_, index) => index + 1).join(', ');
      dump[`${definition.name}.${logical}`] = db.prepare(`SELECT * FROM ${logical} ORDER BY ${orderBy}`).all();
    }
  }
  return dump;
}

function liveGeneration(db: Database.Database, name: string): number {
  return db.prepare('SELECT generation FROM projection_generations WHERE name = ? AND live = 1').pluck().get(name) as number;
}

async function expectAllLive(engine: ProjectionEngine, head: number): Promise<void> {
  for (const status of await engine.status()) {
    expect(status, `projection ${status.name}`).toMatchObject({ state: 'LIVE', position: head, lastError: null, rebuildPosition: null });
  }
}

async function waitUntilNotBuilding(engine: ProjectionEngine): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if ((await engine.status()).every((status) => status.state !== 'BUILDING')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('a projection was still building after 5 s');
}

/** Appends each event again, in position order, with the same envelope (id, metadata, stream, version). */
async function copyLog(events: StoredEvent[], target: SqliteEventStore): Promise<void> {
  for (const event of events) {
    const { eventId, type, schemaVersion, data, metadata } = event;
    await target.append(event.streamId, event.streamType, [{ eventId, type, schemaVersion, data, metadata }], {
      expectedVersion: event.version === 1 ? 'no_stream' : event.version - 1,
    });
  }
}
