import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manualClock.js';
import {
  CustomerSummaryDocument,
  DashboardDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrderHistoryDocument,
  ProjectionsDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { countEvents } from '../support/eventLog.js';
import { request, requestData } from '../support/graphqlClient.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('../fixtures/legacy-orders.ndjson', import.meta.url));

/** Imports the older system's events with the real CLI into a new SQLite file. */
async function importLegacyFixture(): Promise<string> {
  const databaseFile = join(mkdtempSync(join(tmpdir(), 'orderstream-legacy-')), 'orderstream.db');
  await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', fixture], {
    env: { ...process.env, ORDERSTREAM_DB: databaseFile },
  });
  return databaseFile;
}

describe("A log holding the older system's events (imported from NDJSON)", () => {
  let server: TestServer;

  beforeAll(async () => {
    // The clock stands just after the fixture's last event: its pending order (O-2001, of 2024) is
    // read as it was written, not expired for want of payment (test/e2e/paymentExpiry.test.ts).
    const clock = new ManualClock(Date.parse('2024-01-10T10:05:00.000Z'));
    server = await startTestServer({ databaseFile: await importLegacyFixture(), config: { clock } });
  });
  afterAll(() => server.dispose());

  it('should answer for a legacy order placed and paid in float dollars, in exact cents', async () => {
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'L-1001' });

    expect(order).toMatchObject({
      id: 'L-1001',
      customerId: 'cust-legacy-1',
      status: 'SHIPPED',
      items: [
        { productId: 'p-widget', quantity: 2, unitPrice: { amount: '29.99', currency: 'USD' }, lineTotal: { amount: '59.98' } },
        { productId: 'p-gadget', quantity: 1, unitPrice: { amount: '49.99', currency: 'USD' }, lineTotal: { amount: '49.99' } },
      ],
      itemCount: 3,
      total: { amount: '109.97', currency: 'USD' },
      paymentId: 'txn-9001',
      paymentMethod: 'card',
      trackingNumber: 'UPS-123',
      placedAt: '2023-03-01T10:00:00.000Z',
      version: 3,
    });
    expect(order!.history.map((event) => [event.type, event.schemaVersion, event.data])).toEqual([
      ['OrderPlaced', 4, expect.objectContaining({ orderId: 'L-1001', totalMinor: 10997, scale: 2, currency: 'USD' })],
      ['PaymentReceived', 2, expect.objectContaining({ paymentId: 'txn-9001', amountMinor: 10997, scale: 2 })],
      ['OrderShipped', 1, expect.objectContaining({ trackingNumber: 'UPS-123' })],
    ]);
  });

  it('should count 0.1 + 0.2 dollars as exactly 0.30', async () => {
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'L-1002' });
    expect(order).toMatchObject({ status: 'PAID', total: { amount: '0.30', currency: 'USD' } });
    const { order: lamps } = await requestData(server.url, GetOrderDocument, { id: 'L-1003' });
    expect(lamps).toMatchObject({ status: 'CANCELLED', total: { amount: '59.85' }, cancellationReason: 'customer asked' });
  });

  it("should read an order written by orderstream's first releases", async () => {
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'O-2001' });
    expect(order).toMatchObject({ status: 'PENDING', total: { amount: '19.95', currency: 'EUR' } });
  });

  it('should project legacy events into the customer and dashboard read models', async () => {
    const { customer } = await requestData(server.url, CustomerSummaryDocument, { id: 'cust-legacy-1' });
    expect(customer).toMatchObject({ orderCount: 2, paidCount: 1, shippedCount: 1, lifetimeSpend: { amount: '110.27', currency: 'USD' } });
    const { orders } = await requestData(server.url, ListOrdersDocument, { customerId: 'cust-legacy-2' });
    expect(orders.edges.map((edge) => edge.node.id).sort()).toEqual(['L-1003', 'O-2001']);
    const { dashboard } = await requestData(server.url, DashboardDocument, { currency: 'USD' });
    expect(dashboard).toMatchObject({ ordersPlaced: 3, revenue: { amount: '110.27', currency: 'USD' } });
  });

  it('should run new commands on a legacy order, keeping the stored legacy events as they were', async () => {
    const { shipOrder } = await requestData(server.url, ShipOrderDocument, {
      input: { orderId: 'L-1002', trackingNumber: 'DHL-7', carrier: 'DHL', expectedVersion: 2 },
    });
    expect(shipOrder).toMatchObject({ status: 'SHIPPED', version: 3 });

    const db = new Database(server.databaseFile, { readonly: true });
    const stored = db.prepare("SELECT type, schema_version FROM events WHERE stream_id = 'order-L-1002' ORDER BY version").all();
    db.close();
    expect(stored).toEqual([
      { type: 'OrderPlaced', schema_version: 1 },
      { type: 'PaymentTaken', schema_version: 1 },
      { type: 'OrderShipped', schema_version: 1 },
    ]);
  });
});

describe('A log holding an event type this server does not know', () => {
  let server: TestServer;
  let unknownPosition: number;

  beforeAll(async () => {
    const databaseFile = await importLegacyFixture();
    // As a newer server would have written it.
    const db = new Database(databaseFile);
    const metadata = JSON.stringify({
      userId: 'u',
      correlationId: 'c',
      causationId: 'x',
      commandId: 'x',
      occurredAt: '2024-02-01T00:00:00.000Z',
    });
    unknownPosition = Number(
      db
        .prepare(
          `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
           VALUES ('e-gift', 'order-O-2001', 'Order', 2, 'GiftWrapped', 1, '{}', ?)`,
        )
        .run(metadata).lastInsertRowid,
    );
    db.close();
    server = await startTestServer({ databaseFile });
  });
  afterAll(() => server.dispose());

  it('should stop the read models at that event, naming its type and position', async () => {
    const { projections } = await requestData(server.url, ProjectionsDocument, {});
    for (const projection of projections) {
      expect(projection).toMatchObject({
        state: 'FAILED',
        position: unknownPosition - 1,
        lastError: { position: unknownPosition, eventId: 'e-gift', eventType: 'GiftWrapped' },
      });
      expect(projection.lastError!.message).toContain(`Event at position ${unknownPosition} (GiftWrapped v1) cannot be read`);
    }
  });

  it('should refuse to load that order rather than skip the event', async () => {
    const answer = await request(server.url, OrderHistoryDocument, { id: 'O-2001' });
    // A bug in this server's knowledge, not in the request: masked for clients, logged in full.
    expect(answer.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const other = await requestData(server.url, OrderHistoryDocument, { id: 'L-1001' });
    expect(other.orderHistory).toHaveLength(3);
  });
});

describe('Importing a file with an event type this server does not know', () => {
  it('should refuse the file, naming the line and the type, and write nothing', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'orderstream-legacy-'));
    const file = join(directory, 'unknown.ndjson');
    const lines = readFileSync(fixture, 'utf8').trim().split('\n');
    const gift = { ...JSON.parse(lines[0]!), eventId: 'e-gift', streamId: 'order-G-1', type: 'GiftWrapped' };
    writeFileSync(file, [...lines, JSON.stringify(gift)].join('\n'));
    const databaseFile = join(directory, 'orderstream.db');

    const failure = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', file], {
      env: { ...process.env, ORDERSTREAM_DB: databaseFile },
    }).then(
      () => expect.fail('the import should exit non-zero'),
      (error: { code: number; stderr: string }) => error,
    );

    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/line 9: .*GiftWrapped.*this server knows no event type GiftWrapped/);
    expect(countEvents(databaseFile)).toBe(0);
  });
});
