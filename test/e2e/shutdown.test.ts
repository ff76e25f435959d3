import type { ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readModels } from '../../src/projections/definitions.js';
import { EventsDocument, OrderUpdatedDocument, PlaceOrderDocument, ReceivePaymentDocument } from '../generated/graphql.js';
import { ADMIN, bearer } from '../support/auth.js';
import { startChildServer } from '../support/childServer.js';
import '../support/killChildServersAfterAll.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { newTempDirectory } from '../support/startServer.js';

describe('orderstream serve on SIGTERM', () => {
  it('should close subscriptions with 1001, finish the request in flight, exit 0 and leave the log intact', async () => {
    const databaseFile = join(newTempDirectory(), 'orderstream.db');
    const server = await startChildServer(databaseFile);
    const output = outputOf(server.process);
    const orderIds: string[] = [];
    for (let index = 0; index < 3; index++) {
      orderIds.push((await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() })).placeOrder.id);
    }
    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: orderIds[0]!, paymentId: 'pay-1', amount: '109.97', method: 'card' },
    });
    const { events: written } = await requestData(server.url, EventsDocument, { after: 0, first: 100 });
    expect(written.nodes).toHaveLength(4);

    // A subscriber, signed in over graphql-ws, that has had its first message.
    let closeCode: (code: number) => void;
    const closed = new Promise<number>((resolve) => (closeCode = resolve));
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: await bearer(ADMIN) },
      retryAttempts: 0,
      on: { closed: (event) => closeCode((event as { code: number }).code) },
    });
    const updates = client.iterate({ query: print(OrderUpdatedDocument), variables: { id: orderIds[0]! } });
    expect((await updates.next()).value).toMatchObject({ data: { orderUpdated: { id: orderIds[0], status: 'PAID', version: 2 } } });
    // A mutation in flight: the server has its headers (it answered 100 Continue), the body is still to come.
    const inFlight = await heldRequest(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'in-flight' }) });

    server.process.kill('SIGTERM');
    await output.waitFor(/SIGTERM received, shutting down/);

    expect(await closed).toBe(1001);
    // New connections are refused meanwhile.
    await expect(fetch(server.url, { method: 'POST' })).rejects.toThrow();
    const answer = await inFlight.send();
    expect(answer).toMatchObject({ status: 200, body: { data: { placeOrder: { id: 'in-flight', status: 'PENDING', version: 1 } } } });
    expect(await server.exited).toBe(0);
    expect(output.text()).toMatch(/stopped cleanly in \d+ ms/);
    await client.dispose();

    const db = new Database(databaseFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT position, stream_id AS streamId, type, version FROM events ORDER BY position').all();
      expect(rows.slice(0, 4)).toEqual(
        written.nodes.map(({ position, streamId, type, version }) => ({ position, streamId, type, version })),
      );
      expect(rows[4]).toMatchObject({ streamId: 'order-in-flight', type: 'OrderPlaced', version: 1 });
      // The read models stopped at a checkpoint, with the answered mutation applied.
      const head = db.prepare('SELECT max(position) FROM events').pluck().get();
      const checkpoints = db.prepare('SELECT name, position FROM projection_generations WHERE live = 1').all();
      expect(checkpoints).toHaveLength(readModels.length);
      for (const checkpoint of checkpoints) expect(checkpoint).toMatchObject({ position: head });
      expect(db.prepare("SELECT position FROM process_checkpoints WHERE name = 'orderFulfilment'").pluck().get()).toBeLessThanOrEqual(
        head as number,
      );
    } finally {
      db.close();
    }
  });

  it('should exit 1 at once on a second signal while the shutdown waits for a request', async () => {
    const databaseFile = join(newTempDirectory(), 'orderstream.db');
    const server = await startChildServer(databaseFile);
    const output = outputOf(server.process);
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'before' }) });
    // Never sent in full: the shutdown waits for it (up to its grace period of 10 s).
    const held = await heldRequest(server.url, PlaceOrderDocument, { input: referenceOrder() });

    server.process.kill('SIGTERM');
    await output.waitFor(/SIGTERM received, shutting down/);
    const startedAt = Date.now();
    server.process.kill('SIGTERM');

    expect(await server.exited).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(output.text()).toContain('SIGTERM received again, exiting before the shutdown finished');
    held.abort();

    const db = new Database(databaseFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT stream_id FROM events').pluck().all()).toEqual(['order-before']);
    } finally {
      db.close();
    }
  });
});

/** The child's stdout and stderr as they come, and a wait for a line. */
function outputOf(child: ChildProcess) {
  let text = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    text: () => text,
    waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${pattern} did not appear in:\n${text}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(text)) return;
          clearTimeout(timer);
          resolve();
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/**
 * A GraphQL POST whose headers the server has received, and acknowledged with 100 Continue, so it
 * is counted as in flight, but whose body is sent only on `send()`.
 */
async function heldRequest(url: string, document: Parameters<typeof print>[0], variables: Record<string, unknown>) {
  const body = JSON.stringify({ query: print(document), variables });
  const request = httpRequest(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
      authorization: await bearer(ADMIN),
    },
  });
  const response = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    request.on('response', (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode!, body: JSON.parse(text) }));
    });
    request.on('error', reject);
  });
  response.catch(() => undefined);
  request.flushHeaders();
  await new Promise<void>((resolve, reject) => {
    request.once('continue', resolve);
    request.once('error', reject);
  });
  return {
    send: () => {
      request.end(body);
      return response;
    },
    abort: () => request.destroy(),
  };
}
