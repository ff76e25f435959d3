import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIdempotencyKey } from '../../src/application/idempotencyKeys.js';
import { ADMIN, subjectOf } from '../support/auth.js';
import {
  AddProductDocument,
  CancelOrderDocument,
  GetOrderDocument,
  OrderUpdatedDocument,
  PlaceOrderDocument,
  ProductStockChangedDocument,
  ReceivePaymentDocument,
  RestockDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { caughtUp } from '../support/crashLoop/caughtUp.js';
import { compareReadModelsWithRebuild } from '../support/crashLoop/compareWithRebuild.js';
import { request, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { type ChildServer, killAllChildren, killHard, startChildServer as spawnServer } from '../support/childServer.js';

const directory = mkdtempSync(join(tmpdir(), 'orderstream-concurrency-'));
afterAll(() => {
  killAllChildren();
  rmSync(directory, { recursive: true, force: true });
});

type OrderMutation = 'receivePayment' | 'shipOrder' | 'cancelOrder';
const DOCUMENTS = { receivePayment: ReceivePaymentDocument, shipOrder: ShipOrderDocument, cancelOrder: CancelOrderDocument } as const;
/** The event each mutation appends, and the data field that carries the request's unique token. */
const EVENTS = {
  receivePayment: { type: 'PaymentReceived', field: 'paymentId' },
  shipOrder: { type: 'OrderShipped', field: 'trackingNumber' },
  cancelOrder: { type: 'OrderCancelled', field: 'reason' },
} as const;
/** Codes a client may get from a race it lost; anything else (INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE…) is a failure. */
const RACE_CODES = ['CONFLICT', 'FAILED_PRECONDITION'];

type Outcome = {
  mutation: string;
  token: string;
  server: number;
  version?: number;
  status?: string;
  code?: string;
  extensions?: Record<string, unknown>;
};
type LogEvent = {
  position: number;
  event_id: string;
  version: number;
  type: string;
  data: Record<string, any>;
  metadata: Record<string, any>;
};

/** One request carrying a unique token, answered as a success or an error code with its extensions. */
async function send(
  url: string,
  mutation: OrderMutation,
  orderId: string,
  n: number,
  extra: Record<string, unknown> = {},
  server = 0,
): Promise<Outcome> {
  const token = `${mutation}-${orderId}-${n}`;
  const fields = {
    receivePayment: { paymentId: token, amount: '109.97', method: 'card' },
    shipOrder: { trackingNumber: token, carrier: 'UPS' },
    cancelOrder: { reason: token },
  }[mutation];
  // Half carry a commandId, half get one from the server: both paths race the same way.
  const input = { orderId, ...fields, ...(n % 2 === 0 && { commandId: `cmd-${token}` }), ...extra };
  const answer = await request(url, DOCUMENTS[mutation] as TypedDocumentNode<Record<string, any>, { input: any }>, { input });
  return outcomeOf(mutation, token, server, answer);
}

function outcomeOf(
  mutation: string,
  token: string,
  server: number,
  answer: { data?: Record<string, any> | null; errors?: readonly any[] },
): Outcome {
  const result = answer.data?.[mutation] as { version: number; status?: string } | undefined;
  if (result) return { mutation, token, server, version: result.version, status: result.status };
  const error = answer.errors?.[0];
  return { mutation, token, server, code: error?.extensions?.code ?? `no code: ${JSON.stringify(answer)}`, extensions: error?.extensions };
}

function readStream(databaseFile: string, streamId: string): LogEvent[] {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT position, event_id, version, type, data, metadata FROM events WHERE stream_id = ? ORDER BY position')
      .all(streamId) as (Omit<LogEvent, 'data' | 'metadata'> & { data: string; metadata: string })[];
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) }));
  } finally {
    db.close();
  }
}

/** Contiguous versions 1..n in position order, one event per version, no event id twice. */
function expectContiguous(events: LogEvent[]): void {
  expect(events.map((event) => event.version)).toEqual(events.map((_, index) => index + 1));
  expect(new Set(events.map((event) => event.event_id)).size).toBe(events.length);
}

/** Every success is in the log once, at the version it answered; no refused request's token is. */
function expectOutcomesInLog(events: LogEvent[], outcomes: Outcome[]): void {
  for (const outcome of outcomes) {
    const { type, field } = EVENTS[outcome.mutation as OrderMutation];
    const matching = events.filter((event) => event.type === type && event.data[field] === outcome.token);
    if (outcome.version !== undefined) {
      expect(
        matching.map((event) => event.version),
        outcome.token,
      ).toEqual([outcome.version]);
    } else {
      expect(matching, outcome.token).toEqual([]);
    }
  }
}

function expectNoUnexpectedErrors(outcomes: Outcome[]): void {
  const unexpected = outcomes.filter((outcome) => outcome.code !== undefined && !RACE_CODES.includes(outcome.code));
  expect(unexpected).toEqual([]);
}

/** The next message of a subscription, or a failure after `ms` (the other process polls every second). */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms = 5_000): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no message within ${ms} ms`), ms)));
  try {
    return await Promise.race([iterator.next().then((result) => result.value as T), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function placeOrder(url: string, orderId: string): Promise<void> {
  const answer = await request(url, PlaceOrderDocument, { input: referenceOrder({ orderId }) });
  expect(answer.errors).toBeUndefined();
}

describe('Concurrent commands over HTTP on one server process', () => {
  let server: ChildServer;
  let databaseFile: string;
  beforeAll(async () => {
    databaseFile = join(directory, 'one-process.db');
    server = await spawnServer(databaseFile);
  });
  afterAll(async () => {
    if (server) await killHard(server);
  });

  describe('50 conflicting commands on one order with the current expectedVersion, round after round', () => {
    it('should let exactly one allowed command win each round and refuse the others with CONFLICT or FAILED_PRECONDITION', async () => {
      // Several orders, so that both winners of the first round (a payment or a cancellation) show up.
      for (let index = 0; index < 4; index++) {
        const orderId = `race-${index}`;
        await placeOrder(server.url, orderId);
        const outcomes: Outcome[] = [];
        let version = 1;
        let status = 'PENDING';
        // 1. Pending: pay or cancel may win; shipping is never allowed.
        // 2. Paid: ship or cancel may win. Cancelled: nothing is allowed. 3. Shipped or cancelled: nothing.
        for (let round = 0; round < 3; round++) {
          const mutations: OrderMutation[] = Array.from(
            { length: 50 },
            (_, n) => (['receivePayment', 'cancelOrder', 'shipOrder'] as const)[(n + index) % 3]!,
          );
          const allowed = new Set<OrderMutation>(
            status === 'PENDING' ? ['receivePayment', 'cancelOrder'] : status === 'PAID' ? ['shipOrder', 'cancelOrder'] : [],
          );
          const answers = await Promise.all(
            mutations.map((mutation, n) => send(server.url, mutation, orderId, round * 100 + n, { expectedVersion: version })),
          );
          outcomes.push(...answers);
          expectNoUnexpectedErrors(answers);
          const winners = answers.filter((answer) => answer.version !== undefined);
          expect(winners).toHaveLength(allowed.size > 0 ? 1 : 0);
          for (const loser of answers.filter((answer) => answer.version === undefined)) {
            if (allowed.has(loser.mutation as OrderMutation)) {
              // Allowed but beaten: always a conflict naming both versions.
              expect(loser).toMatchObject({
                code: 'CONFLICT',
                extensions: { streamId: `order-${orderId}`, expectedVersion: version, actualVersion: version + 1 },
              });
            } else if (loser.code === 'CONFLICT') {
              // Refused by the state, or by the version when it loaded after the winner.
              expect(loser.extensions).toMatchObject({ expectedVersion: version, actualVersion: version + 1 });
            } else {
              expect(loser).toMatchObject({ code: 'FAILED_PRECONDITION', extensions: { status: expect.any(String) } });
            }
          }
          if (winners[0]) {
            expect(winners[0].version).toBe(version + 1);
            version = winners[0].version!;
            status = winners[0].status!;
          }
        }
        // 4. Stale: every command with the first version is a conflict, whatever it is.
        const stale = await Promise.all(
          Array.from({ length: 50 }, (_, n) =>
            send(server.url, (['receivePayment', 'cancelOrder', 'shipOrder'] as const)[n % 3]!, orderId, 900 + n, { expectedVersion: 1 }),
          ),
        );
        for (const answer of stale) {
          expect(answer).toMatchObject({ code: 'CONFLICT', extensions: { expectedVersion: 1, actualVersion: version } });
        }
        outcomes.push(...stale);

        const events = readStream(databaseFile, `order-${orderId}`);
        expectContiguous(events);
        expect(events).toHaveLength(version);
        expectOutcomesInLog(events, outcomes);
      }
    });
  });

  describe('commands without expectedVersion', () => {
    it('should retry lost races itself and let each concurrent command take effect at most once', async () => {
      // 1. 50 orders placed at once, 10 of them twice with the same id: one placement each.
      const ids = Array.from({ length: 50 }, (_, n) => `free-${n}`);
      const placements = await Promise.all(
        [...ids, ...ids.slice(0, 10)].map((orderId) => request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId }) })),
      );
      expect(placements.filter((answer) => answer.data?.placeOrder).length).toBe(50);
      expect(placements.filter((answer) => answer.errors).map((answer) => answer.errors![0]!.extensions!.code)).toEqual(
        Array(10).fill('CONFLICT'),
      );

      // 2. Per order, two payments and a cancellation at once: one payment at most, each success logged once.
      const outcomes = await Promise.all(
        ids.flatMap((orderId) => [
          send(server.url, 'receivePayment', orderId, 1),
          send(server.url, 'receivePayment', orderId, 2),
          send(server.url, 'cancelOrder', orderId, 3),
        ]),
      );
      // Without expectedVersion a lost race is retried, never answered CONFLICT; only the state refuses.
      expect(outcomes.filter((outcome) => outcome.code !== undefined && outcome.code !== 'FAILED_PRECONDITION')).toEqual([]);
      for (const orderId of ids) {
        const events = readStream(databaseFile, `order-${orderId}`);
        expectContiguous(events);
        expect(events[0]!.type).toBe('OrderPlaced');
        const mine = outcomes.filter((outcome) => outcome.token.includes(`-${orderId}-`));
        expectOutcomesInLog(events, mine);
        expect(events.filter((event) => event.type === 'PaymentReceived').length).toBeLessThanOrEqual(1);
        expect(events.filter((event) => event.type === 'OrderCancelled')).toHaveLength(1);
        expect(mine.filter((outcome) => outcome.version !== undefined)).toHaveLength(events.length - 1);
      }

      // 3. The same payment sent 50 times at once with one commandId: one event, 50 equal answers.
      await placeOrder(server.url, 'copies');
      const input = { orderId: 'copies', paymentId: 'pay-copies', amount: '109.97', method: 'card', commandId: 'pay-copies-1' };
      const copies = await Promise.all(Array.from({ length: 50 }, () => request(server.url, ReceivePaymentDocument, { input })));
      expect(copies.map((answer) => answer.errors)).toEqual(Array(50).fill(undefined));
      expect(new Set(copies.map((answer) => JSON.stringify(answer.data)))).toHaveLength(1);
      const copyEvents = readStream(databaseFile, 'order-copies');
      expect(copyEvents.map((event) => event.type)).toEqual(['OrderPlaced', 'PaymentReceived']);
    });

    it('should append 50 concurrent restocks of one product as versions 2..51, each once, adding up', async () => {
      expect(
        (await request(server.url, AddProductDocument, { input: { productId: 'hot', name: 'Hot item', quantity: 0 } })).errors,
      ).toBeUndefined();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          request(server.url, RestockDocument, { input: { productId: 'hot', quantity: n + 1, commandId: `restock-hot-${n}` } }),
        ),
      );
      expect(answers.map((answer) => answer.errors)).toEqual(Array(50).fill(undefined));
      expect(answers.map((answer) => answer.data!.restock.version).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, n) => n + 2),
      );
      const events = readStream(databaseFile, 'product-hot');
      expectContiguous(events);
      expect(events).toHaveLength(51);
      expect(events.at(-1)!.data.onHand).toBe((50 * 51) / 2);
      // Each answer is the product as its own restock left it.
      for (const [n, answer] of answers.entries()) {
        const event = events.find(
          (candidate) => candidate.metadata.commandId === clientIdempotencyKey(subjectOf(ADMIN), `restock-hot-${n}`),
        )!;
        expect(answer.data!.restock).toMatchObject({ version: event.version, onHand: event.data.onHand });
      }
    });
  });
});

describe('Two server processes on one SQLite file', () => {
  it('should serialise their writes: no SQLITE_BUSY or internal error reaches a client, versions contiguous, every acknowledged write logged', async () => {
    const databaseFile = join(directory, 'two-processes.db');
    const servers = [await spawnServer(databaseFile), await spawnServer(databaseFile)];
    const urls = servers.map((server) => server.url);
    const outcomes: Outcome[] = [];

    // 1. 60 orders placed through both at once.
    const ids = Array.from({ length: 60 }, (_, n) => `two-${n}`);
    const placed = await Promise.all(
      ids.map((orderId, n) =>
        request(urls[n % 2]!, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId: `two-c${n % 4}` }) }),
      ),
    );
    expect(placed.map((answer) => answer.errors)).toEqual(Array(60).fill(undefined));

    // 2. Each order paid through both processes at once (no expectedVersion): one payment wins.
    outcomes.push(
      ...(await Promise.all(
        ids.flatMap((orderId) => [
          send(urls[0]!, 'receivePayment', orderId, 1, {}, 0),
          send(urls[1]!, 'receivePayment', orderId, 2, {}, 1),
        ]),
      )),
    );
    // 3. Then shipped and cancelled through both at once, half with the current expectedVersion.
    outcomes.push(
      ...(await Promise.all(
        ids.flatMap((orderId, n) => {
          const expected = n % 2 === 0 ? { expectedVersion: 2 } : {};
          return [
            send(urls[n % 2]!, 'shipOrder', orderId, 3, expected, n % 2),
            send(urls[(n + 1) % 2]!, 'cancelOrder', orderId, 4, expected, (n + 1) % 2),
          ];
        }),
      )),
    );
    expectNoUnexpectedErrors(outcomes);
    for (const [n, orderId] of ids.entries()) {
      const events = readStream(databaseFile, `order-${orderId}`);
      expectContiguous(events);
      expect(events).toHaveLength(3);
      const mine = outcomes.filter((outcome) => outcome.token.includes(`-${orderId}-`));
      expectOutcomesInLog(events, mine);
      // The payment that lost is refused by the state. Of ship and cancel, the loser is refused by the
      // state without expectedVersion (the server retried it on the new state), by the version with it.
      const losers = mine.filter((outcome) => outcome.code !== undefined).map((loser) => loser.code);
      expect(losers).toEqual(['FAILED_PRECONDITION', n % 2 === 1 ? 'FAILED_PRECONDITION' : 'CONFLICT']);
    }

    // 4. One hot stream written through both at once, without expectedVersion: every restock lands once.
    expect(
      (await request(urls[0]!, AddProductDocument, { input: { productId: 'shared', name: 'Shared', quantity: 0 } })).errors,
    ).toBeUndefined();
    const restocks = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        request(urls[n % 2]!, RestockDocument, { input: { productId: 'shared', quantity: 1, commandId: `restock-shared-${n}` } }),
      ),
    );
    expect(restocks.map((answer) => answer.errors?.[0]?.extensions?.code)).toEqual(Array(50).fill(undefined));
    const productEvents = readStream(databaseFile, 'product-shared');
    expectContiguous(productEvents);
    expect(productEvents.map((event) => event.data.onHand)).toEqual(Array.from({ length: 51 }, (_, n) => n));
    expect(restocks.map((answer) => answer.data!.restock.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, n) => n + 2),
    );

    // 5. Read-your-writes across processes: both read the same read tables, so a mutation answered
    // by one process shows through the other at once (its own read models catch up by polling).
    for (let n = 0; n < 10; n++) {
      const orderId = `ryw-${n}`;
      const [writer, reader] = n % 2 === 0 ? urls : [urls[1]!, urls[0]!];
      const answer = await request(writer!, PlaceOrderDocument, { input: referenceOrder({ orderId }) });
      expect(answer.errors).toBeUndefined();
      const seen = await request(reader!, GetOrderDocument, { id: orderId });
      expect(seen.data?.order).toMatchObject({ id: orderId, version: 1, status: 'PENDING' });
    }
    // …and each process's own read models reach the head within its poll (about 1 s).
    await Promise.all(urls.map((url) => caughtUp(url, { timeoutMs: 5_000, stable: true })));

    // 6. A subscriber on one process hears of changes written through the other (after that one's poll).
    const client = wsClient(urls[1]!.replace(/^http/, 'ws'));
    const orderUpdates = subscribe(client, OrderUpdatedDocument, { id: 'ryw-0' });
    const stockChanges = subscribe(client, ProductStockChangedDocument, { productId: 'shared' });
    expect(await nextWithin(orderUpdates)).toMatchObject({ data: { orderUpdated: { version: 1, status: 'PENDING' } } });
    expect(await nextWithin(stockChanges)).toMatchObject({ data: { productStockChanged: { version: 51, onHand: 50 } } });
    expect((await send(urls[0]!, 'receivePayment', 'ryw-0', 1)).version).toBe(2);
    expect((await request(urls[0]!, RestockDocument, { input: { productId: 'shared', quantity: 5 } })).errors).toBeUndefined();
    expect(await nextWithin(orderUpdates)).toMatchObject({ data: { orderUpdated: { version: 2, status: 'PAID' } } });
    expect(await nextWithin(stockChanges)).toMatchObject({ data: { productStockChanged: { version: 52, onHand: 55 } } });
    await client.dispose();

    // 7. Neither logged an error; with one left, the read models equal a rebuild from the log.
    for (const server of servers) expect(server.errorLines()).toEqual([]);
    await killHard(servers[1]!);
    const customers = ['two-c0', 'two-c1', 'two-c2', 'two-c3', 'cust-1'];
    expect(await compareReadModelsWithRebuild(urls[0]!, databaseFile, customers)).toEqual([]);
    await killHard(servers[0]!);
    // Two server processes start, and each one's read models catch up by polling, once a second (about 11 s here).
  }, 40_000);
});
