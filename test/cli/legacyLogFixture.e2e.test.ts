import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchemas } from '../../src/application/eventSchemas.js';
import { loadAggregate } from '../../src/application/snapshots/loadAggregate.js';
import { ManualClock } from '../../src/clock/manualClock.js';
import { allHeld, inventoryDecider, productStreamId } from '../../src/domain/inventory/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { UpcastingEventStore } from '../../src/eventstore/upcasting/upcastingEventStore.js';
import { ListProductsDocument, ProjectionsDocument } from '../generated/graphql.js';
import { countEvents } from '../support/eventLog.js';
import { requestData } from '../support/graphqlClient.js';
import { settled } from '../support/processes.js';
import { newTempDirectory, startTestServer, type TestServer } from '../support/startServer.js';

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/legacy-log-240d027/${name}`, import.meta.url));
const logFile = fixture('log.ndjson');
const recorded = JSON.parse(readFileSync(fixture('answers.json'), 'utf8')) as Recorded;

describe('A log written before issue 21 (commit 240d027), imported with the CLI', () => {
  let databaseFile: string;
  let stockAfterImport: Map<string, Stock>;
  let server: TestServer;

  beforeAll(async () => {
    databaseFile = join(newTempDirectory(), 'orderstream.db');
    await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', logFile], {
      env: { ...process.env, ORDERSTREAM_DB: databaseFile },
    });
    // Folded before any server, so before today's orderFulfilment has seen the log.
    stockAfterImport = await foldStock(databaseFile);
    // The clock stands at the log's first event: no pending order is due to expire (test/e2e/paymentExpiry.test.ts),
    // so every event the server's processes could append would come from reacting to the old orders again.
    const firstEvent = JSON.parse(readFileSync(logFile, 'utf8').split('\n')[0]!) as { metadata: { occurredAt: string } };
    server = await startTestServer({ databaseFile, config: { clock: new ManualClock(Date.parse(firstEvent.metadata.occurredAt)) } });
    await settled(server.url);
  });
  afterAll(() => server?.dispose());

  it('should fold each product through the inventory decider to the stock the old server showed', () => {
    expect(stockAfterImport).toEqual(recordedStock());
  });

  it('should answer every recorded query as the old server did', async () => {
    const answers = [];
    for (const { name, query, variables } of recorded.answers) {
      answers.push({ name, data: await requestData(server.url, parse(query) as TypedDocumentNode<unknown, unknown>, variables) });
    }
    expect(answers).toEqual(recorded.answers.map(({ name, data }) => ({ name, data })));
  });

  it('should leave the log and the stock as they were once orderFulfilment has handled every old order again', async () => {
    const { projections } = await requestData(server.url, ProjectionsDocument, {});
    expect(projections.find((status) => status.name === 'orderFulfilment')).toMatchObject({
      state: 'LIVE',
      position: recorded.events,
      headPosition: recorded.events,
      lagEvents: 0,
      lastError: null,
      parked: [],
    });
    // No second reservation (nor release, commit or cancellation) for what the old process did.
    expect(countEvents(databaseFile)).toBe(recorded.events);
    expect(await foldStock(databaseFile)).toEqual(recordedStock());
  });

  it('should show the products added before prices existed as unpriced', async () => {
    const { products } = await requestData(server.url, ListProductsDocument, { first: 100 });
    expect(products.edges.map(({ node }) => [node.id, node.price])).toEqual(recordedProducts().map((product) => [product.id, null]));
  });
});

type Recorded = {
  commit: string;
  seed: string;
  /** Events in log.ndjson. */
  events: number;
  answers: { name: string; query: string; variables: Record<string, unknown>; data: unknown }[];
};
type RecordedProduct = { id: string; onHand: number; reserved: number; available: number };
type RecordedOrder = { id: string; status: string; items: { productId: string; quantity: number }[] };
type Stock = { onHand: number; reserved: number; available: number; openReservations: Record<string, number> };

function answer<Data>(name: string): Data {
  const found = recorded.answers.find((entry) => entry.name === name);
  if (!found) throw new Error(`answers.json has no answer named "${name}"`);
  return found.data as Data;
}

function recordedProducts(): RecordedProduct[] {
  return answer<{ products: { nodes: RecordedProduct[] } }>('products').products.nodes;
}

/**
 * The old server's stock per product, with the reservations it must be holding: one per pending or
 * paid order with a line of the product (lines of one product summed), none for shipped or cancelled ones.
 */
function recordedStock(): Map<string, Stock> {
  const orders = answer<{ orders: { nodes: RecordedOrder[] } }>('orders').orders.nodes;
  return new Map(
    recordedProducts().map(({ id, onHand, reserved, available }) => {
      const openReservations: Record<string, number> = {};
      for (const order of orders.filter((candidate) => candidate.status === 'PENDING' || candidate.status === 'PAID')) {
        for (const item of order.items.filter((line) => line.productId === id)) {
          openReservations[order.id] = (openReservations[order.id] ?? 0) + item.quantity;
        }
      }
      return [id, { onHand, reserved, available, openReservations }];
    }),
  );
}

/** Each recorded product's stream folded by today's inventory decider, through a connection of its own. */
async function foldStock(file: string): Promise<Map<string, Stock>> {
  const store = new UpcastingEventStore(new SqliteEventStore(openDatabase(file, { synchronous: 'NORMAL' })), eventSchemas);
  try {
    const stock = new Map<string, Stock>();
    for (const { id } of recordedProducts()) {
      const { state } = await loadAggregate(store, inventoryDecider, productStreamId(id));
      if (state.status !== 'Active') throw new Error(`product ${id} folds to ${state.status}`);
      const { onHand, reservedTotal: reserved, reserved: openReservations } = state;
      stock.set(id, { onHand, reserved, available: onHand - reserved, openReservations: allHeld(openReservations) });
    }
    return stock;
  } finally {
    await store.close();
  }
}
