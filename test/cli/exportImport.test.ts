import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { ImportConflictError, importEvents } from '../../src/eventstore/sqlite/importEvents.js';
import {
  CancelOrderDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  EventsDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrderAtDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { countEvents } from '../support/eventLog.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { newTempDirectory, startTestServer } from '../support/startServer.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });

describe('orderstream export and import', () => {
  it('should round-trip the log: the imported file answers every query as the original', async () => {
    const source = await startTestServer();
    const { orderIds, customerIds } = await createOrdersInEveryState(source.url);
    const before = await answers(source.url, orderIds, customerIds);
    expect(before.orders.orders.totalCount).toBe(6);
    expect(before.order.map(({ order }) => order?.status ?? null)).toEqual(['PENDING', 'PAID', 'SHIPPED', 'CANCELLED', 'CANCELLED', 'SHIPPED', null]);
    expect(before.events.events.nodes).toHaveLength(14);
    await source.dispose();

    const directory = newTempDirectory();
    const logFile = join(directory, 'log.ndjson');
    const { stderr: exportReport } = await cli(['export', logFile], { ORDERSTREAM_DB: source.databaseFile });
    expect(exportReport).toMatch(/Exported 14 events \(positions 1–14\)/);
    expect(existsSync(`${logFile}.partial`)).toBe(false);

    const targetFile = join(directory, 'imported.db');
    const { stderr: importReport } = await cli(['import', logFile], { ORDERSTREAM_DB: targetFile });
    expect(importReport).toMatch(/\[#+\] 14\/14 events/);
    expect(importReport).toMatch(/Imported 14 events \(positions 1–14\), skipped 0 stored already, of 14 in the file, in [\d.]+ s/);

    // The target's own export holds the same events, byte for byte but for positions.
    const reexported = join(directory, 'reexported.ndjson');
    await cli(['export', reexported], { ORDERSTREAM_DB: targetFile });
    expect(linesWithoutPosition(reexported)).toEqual(linesWithoutPosition(logFile));
    expect(readLines(reexported).map((line) => JSON.parse(line))).toEqual(
      readLines(logFile).map((line) => JSON.parse(line)),
    );

    // A server on the new file builds its read models from zero and answers the same.
    const target = await startTestServer({ databaseFile: targetFile });
    await readModelsCaughtUp(target.url);
    const after = await answers(target.url, orderIds, customerIds);
    expect(withoutPositions(after)).toEqual(withoutPositions(before));
    await target.dispose();
  });

  it('should skip what is stored already, so an interrupted import resumes when run again', async () => {
    const { databaseFile, logFile, directory } = await exportedLog();
    const lines = readLines(logFile);
    const firstPart = join(directory, 'first-part.ndjson');
    writeFileSync(firstPart, `${lines.slice(0, 5).join('\n')}\n`);
    const targetFile = join(directory, 'target.db');

    await cli(['import', firstPart], { ORDERSTREAM_DB: targetFile });
    const { stderr: resumed } = await cli(['import', logFile], { ORDERSTREAM_DB: targetFile });
    expect(resumed).toContain(`Imported ${lines.length - 5} events (positions 6–${lines.length}), skipped 5 stored already`);

    const { stderr: again } = await cli(['import', logFile], { ORDERSTREAM_DB: targetFile });
    expect(again).toContain(`Imported 0 events, skipped ${lines.length} stored already, of ${lines.length} in the file`);
    expect(countEvents(targetFile)).toBe(lines.length);
    expect(eventRows(targetFile)).toEqual(eventRows(databaseFile));
  });

  it('should refuse a file that conflicts with the target, say where, and write nothing', async () => {
    const { databaseFile, logFile, directory } = await exportedLog();
    const [placed] = readLines(logFile).map((line) => JSON.parse(line));
    const newStream = (version: number) => ({ ...placed, eventId: `new-${version}`, streamId: 'order-new', version });
    const conflicting = join(directory, 'conflicting.ndjson');
    // Two good events of a new stream, then version 1 of a stored stream under another event id.
    writeNdjson(conflicting, [newStream(1), newStream(2), { ...placed, eventId: 'another-id' }]);
    const eventsBefore = countEvents(databaseFile);

    await expect(cli(['import', conflicting], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `orderstream: line 3: stream ${placed.streamId} is at version 1 in the target, ` +
          "the file's event another-id expects version 1 to be next",
      ),
    });
    expect(countEvents(databaseFile)).toBe(eventsBefore);

    // An id stored in another stream, and a gap in a stream's versions within the file.
    writeNdjson(conflicting, [newStream(1), { ...placed, streamId: 'order-new', version: 2 }]);
    await expect(cli(['import', conflicting], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `line 2: event ${placed.eventId} is stored already in the target as version 1 of stream ${placed.streamId}, ` +
          'the file has it as version 2 of stream order-new',
      ),
    });
    writeNdjson(conflicting, [newStream(1), newStream(3)]);
    await expect(cli(['import', conflicting], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('line 2: stream order-new is at version 1 on line 1 of the file, the event new-3 here has version 3'),
    });
    expect(countEvents(databaseFile)).toBe(eventsBefore);
  });

  it('should refuse a malformed line with its number and field, and write nothing', async () => {
    const { logFile, directory } = await exportedLog();
    const lines = readLines(logFile);
    const targetFile = join(directory, 'target.db');
    const malformed = join(directory, 'malformed.ndjson');

    writeFileSync(malformed, [lines[0], lines[1]!.replace(/"version":(\d+)/, '"version":"$1"'), lines[2]].join('\n'));
    const version = JSON.parse(lines[1]!).version;
    await expect(cli(['import', malformed], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`orderstream: line 2: version must be a positive integer, got "${version}"`),
    });
    writeFileSync(malformed, [lines[0], '', lines[1]!.slice(0, 40)].join('\n'));
    await expect(cli(['import', malformed], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/orderstream: line 3: is not valid JSON/),
    });
    writeFileSync(malformed, lines[0]!.replace(/"userId":"[^"]*"/, '"userId":7'));
    await expect(cli(['import', malformed], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('line 1: metadata.userId must be a non-empty string, got 7'),
    });
    expect(countEvents(targetFile)).toBe(0);
    await expect(cli(['import', join(directory, 'missing.ndjson')], { ORDERSTREAM_DB: targetFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('missing.ndjson: no such file'),
    });
  });

  it('should export only the events after --after, to stdout without a file', async () => {
    const { databaseFile, logFile } = await exportedLog();
    const lines = readLines(logFile);

    const { stdout, stderr } = await cli(['export', '--after', '9'], { ORDERSTREAM_DB: databaseFile });

    expect(stdout.split('\n').filter(Boolean)).toEqual(lines.slice(9));
    expect(stderr).toContain(`Exported ${lines.length - 9} events (positions 10–${lines.length})`);
    const { stdout: nothing } = await cli(['export', '--after', String(lines.length)], { ORDERSTREAM_DB: databaseFile });
    expect(nothing).toBe('');
    await expect(cli(['export', '--after', 'ten'], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('a position is a whole number'),
    });
  });
});

describe('importEvents', () => {
  it('should stop with what it imported when another writer conflicts during the write', async () => {
    const db = openDatabase(join(newTempDirectory(), 'target.db'));
    const events = [event('s-1', 1), event('s-1', 2), event('s-2', 1), event('s-2', 2)];
    let reads = 0;
    const lines = async function* () {
      reads += 1;
      for (const [index, e] of events.entries()) {
        // After the check and the first batch, another writer appends version 1 of s-2.
        if (reads === 2 && index === 2) insertRaw(db, { ...event('s-2', 1), eventId: 'other-writer' });
        yield JSON.stringify(e);
      }
    };

    const failure = await importEvents(db, lines, { batchSize: 2 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ImportConflictError);
    expect((failure as Error).message).toBe(
      "line 3: stream s-2 is at version 1 in the target, the file's event s-2-v1 expects version 1 to be next. " +
        'The target changed after the file was checked (another writer?): 2 events were imported before it stopped ' +
        '(0 skipped), the rest were not; running the import again skips the events imported and resumes',
    );
    expect(db.prepare('SELECT event_id FROM events ORDER BY position').pluck().all()).toEqual(['s-1-v1', 's-1-v2', 'other-writer']);
    db.close();
  });

  it('should refuse what validate refuses before writing anything', async () => {
    const db = openDatabase(join(newTempDirectory(), 'target.db'));
    const lines = async function* () {
      yield JSON.stringify(event('s-1', 1));
      yield JSON.stringify({ ...event('s-1', 2), type: 'Mystery' });
    };
    const validate = (e: { type: string }) => {
      if (e.type === 'Mystery') throw new Error('this server knows no event type Mystery');
    };

    await expect(importEvents(db, lines, { validate })).rejects.toThrow(
      'line 2: event s-1-v2 (Mystery v1, stream s-1 version 2) is refused: this server knows no event type Mystery',
    );
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
    db.close();
  });
});

/** Fourteen events: orders pending, paid, shipped, cancelled before and after payment, in two currencies. */
async function createOrdersInEveryState(url: string) {
  const place = async (orderId: string, customerId: string, currency?: string) =>
    (await requestData(url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId, currency }) })).placeOrder;
  const pay = (orderId: string, amount: string) =>
    requestData(url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount, method: 'credit_card' } });
  const ship = (orderId: string) =>
    requestData(url, ShipOrderDocument, { input: { orderId, trackingNumber: `1Z-${orderId}`, carrier: 'UPS', estimatedDelivery: '2025-01-15' } });
  const cancel = (orderId: string) => requestData(url, CancelOrderDocument, { input: { orderId, reason: 'changed my mind' } });

  await place('o-pending', 'cust-a');
  await place('o-paid', 'cust-a');
  await pay('o-paid', '109.97');
  await place('o-shipped', 'cust-b');
  await pay('o-shipped', '109.97');
  await ship('o-shipped');
  await place('o-cancelled', 'cust-b');
  await cancel('o-cancelled');
  await place('o-refunded', 'cust-c');
  await pay('o-refunded', '109.97');
  await cancel('o-refunded');
  await place('o-euro', 'cust-c', 'EUR');
  await pay('o-euro', '109.97');
  await ship('o-euro');
  return {
    orderIds: ['o-pending', 'o-paid', 'o-shipped', 'o-cancelled', 'o-refunded', 'o-euro', 'o-unknown'],
    customerIds: ['cust-a', 'cust-b', 'cust-c', 'cust-unknown'],
  };
}

/** The answers of every query over the read models and the log. */
async function answers(url: string, orderIds: string[], customerIds: string[]) {
  return {
    orders: await requestData(url, ListOrdersDocument, { first: 100 }),
    paidOrders: await requestData(url, ListOrdersDocument, { status: 'PAID', first: 100 }),
    ordersOfB: await requestData(url, ListOrdersDocument, { customerId: 'cust-b', first: 100 }),
    order: await Promise.all(orderIds.map((id) => requestData(url, GetOrderDocument, { id }))),
    orderAtVersion1: await Promise.all(orderIds.map((id) => requestData(url, OrderAtDocument, { id, version: 1 }))),
    customers: await Promise.all(
      customerIds.flatMap((id) => ['USD', 'EUR'].map((currency) => requestData(url, CustomerSummaryDocument, { id, currency }))),
    ),
    dashboards: await Promise.all(['USD', 'EUR'].map((currency) => requestData(url, DashboardDocument, { currency }))),
    events: await requestData(url, EventsDocument, { after: 0, first: 1000 }),
    shippedEvents: await requestData(url, EventsDocument, { types: ['OrderShipped'], first: 1000 }),
  };
}

async function readModelsCaughtUp(url: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const { projections } = await requestData(url, ProjectionsDocument, {});
    if (projections.every((projection) => projection.state === 'LIVE' && projection.position === projection.headPosition)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the read models did not catch up within 10 s');
}

/** A source log of the reference orders, exported with the CLI. */
async function exportedLog() {
  const source = await startTestServer();
  await createOrdersInEveryState(source.url);
  await source.dispose();
  const directory = newTempDirectory();
  const logFile = join(directory, 'log.ndjson');
  await cli(['export', logFile], { ORDERSTREAM_DB: source.databaseFile });
  return { databaseFile: source.databaseFile, logFile, directory };
}

/** Positions are the target's to assign, and order cursors encode them. */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !['position', 'endPosition', 'cursor', 'endCursor'].includes(key))
      .map(([key, field]) => [key, withoutPositions(field)]),
  );
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

function linesWithoutPosition(file: string): string[] {
  return readLines(file).map((line) => line.replace(/^\{"position":\d+,/, '{'));
}

function writeNdjson(file: string, events: unknown[]): void {
  writeFileSync(file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

function eventRows(databaseFile: string): unknown[] {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db.prepare('SELECT * FROM events ORDER BY position').all();
  } finally {
    db.close();
  }
}

function event(streamId: string, version: number) {
  return {
    position: version,
    eventId: `${streamId}-v${version}`,
    streamId,
    streamType: 'Test',
    version,
    type: 'Happened',
    schemaVersion: 1,
    data: { n: version },
    metadata: { userId: 'u', correlationId: 'c', causationId: 'c', commandId: `cmd-${streamId}-${version}`, occurredAt: '2025-01-01T00:00:00.000Z' },
  };
}

function insertRaw(db: Database.Database, e: ReturnType<typeof event>): void {
  db.prepare(
    `INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.eventId, e.streamId, e.streamType, e.version, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata));
}
