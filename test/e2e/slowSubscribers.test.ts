import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventFeedDocument } from '../generated/graphql.js';
import { ADMIN, bearer } from '../support/auth.js';
import { type ChildServer, killHard, startChildServer } from '../support/childServer.js';
import '../support/killChildServersAfterAll.js';
import { placeOrdersDirectly } from '../support/directAppends.js';
import { subscribe, wsClient } from '../support/graphqlClient.js';
import { parsePrometheusText } from '../support/prometheus.js';
import { RawGraphQLSocket } from '../support/rawSocket.js';
import { collect, nextData, range, waitUntil } from '../support/subscriptionReading.js';
import { newTempDirectory, startTestServer } from '../support/startServer.js';

/** The bound this test states for the server's heap while a client hangs on 50,000 events. */
const HEAP_BOUND_BYTES = 200 * 1024 * 1024;
const FEED = JSON.stringify({ query: 'subscription { events(afterPosition: 0) { position } }' });
// With each event's data (100 KB below), so that the socket buffers fill whatever their size.
const FEED_WITH_DATA = JSON.stringify({ query: 'subscription { events { position data } }' });

describe('Slow subscribers', () => {
  it('should close a connection whose subscriber stopped reading with 4503; the client resumes from its last position', async () => {
    // A small buffer, so that a few big events overflow it once the kernel's socket buffers are full.
    const server = await startTestServer({ config: { subscriberBuffer: 50 } });
    try {
      const socket = await RawGraphQLSocket.open(server.wsUrl, { authorization: await bearer(ADMIN) });
      socket.subscribe('feed', FEED_WITH_DATA);
      await waitUntil(() => server.services.eventFeed.events.subscriberCount === 1);
      socket.pauseReading();

      // 100 KB events: the kernel's socket buffers (tens of MB) fill, then the subscriber's own buffer.
      for (let round = 0; server.services.eventFeed.events.subscriberCount > 0; round++) {
        if (round === 20) throw new Error('The server kept a subscriber that stopped reading');
        await placeOrdersDirectly(server.databaseFile, 100, { nameLength: 100_000 });
        server.services.eventFeed.poke();
        // Paces the load: the server's sends fill the socket buffers meanwhile (a subscriber counts as
        // stalled once its buffer is full and it took nothing for a second); the loop ends on the condition.
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      socket.resumeReading();
      const closed = await socket.closed;
      expect(closed.code).toBe(4503);
      expect(closed.reason).toMatch(/resume from your last position/);

      const received: number[] = [];
      for (let message = await socket.next('feed'); message; message = await socket.next('feed')) {
        if (message.type === 'next') received.push((message.payload.data as { events: { position: number } }).events.position);
      }
      expect(received.length).toBeGreaterThan(0);
      expect(received).toEqual(range(received[0]!, received.at(-1)!));

      // Resuming from the last position received misses nothing and repeats nothing.
      const head = await server.services.store.headPosition();
      const resumed = subscribe(wsClient(server.wsUrl), EventFeedDocument, { afterPosition: received.at(-1)! });
      const rest: number[] = [];
      while (rest.at(-1) !== head) rest.push((await nextData(resumed)).events.position);
      expect(rest).toEqual(range(received.at(-1)! + 1, head));
      await resumed.return?.();
    } finally {
      await server.dispose();
    }
    // Up to 20 rounds of 10 MB appended (about 3 s here): the bound for a slow disk.
  }, 30_000);

  describe('with a server in its own process', () => {
    let server: ChildServer | undefined;
    afterAll(async () => {
      if (server) await killHard(server);
    });

    it('should keep its heap bounded while a client hangs on 50,000 events, and keep the others up to date', async () => {
      const databaseFile = join(newTempDirectory(), 'orderstream.db');
      // V8 counts garbage it has not collected yet as heap used, and collects lazily while there is room: how
      // lazily depends on how busy the machine is. With the heap capped at the bound, it must collect before
      // the bound, and live data beyond it (a subscriber buffered for without limit) crashes the server,
      // which fails this test as surely as the bound does.
      server = await startChildServer(databaseFile, { NODE_OPTIONS: `--max-old-space-size=${HEAP_BOUND_BYTES / 2 ** 20}` });
      const wsUrl = server.url.replace(/^http/, 'ws');

      const metric = async (name: string) => parsePrometheusText(await (await fetch(new URL('/metrics', server!.url))).text()).value(name)!;
      const heapUsed = () => metric('nodejs_heap_size_used_bytes');

      // Both from the start of the log, so neither misses an event however late its subscription starts.
      const hanging = await RawGraphQLSocket.open(wsUrl, { authorization: await bearer(ADMIN) });
      hanging.subscribe('feed', FEED);
      const reader = collect(subscribe(wsClient(wsUrl), EventFeedDocument, { afterPosition: 0 }), (data) => data.events);
      await expect.poll(() => metric('orderstream_websocket_subscriptions'), { timeout: 10_000 }).toBe(2);
      hanging.pauseReading();

      const heap: number[] = [await heapUsed()];
      let appending = true;
      const sampling = (async () => {
        while (appending) {
          heap.push(await heapUsed());
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();
      const startedAt = Date.now();
      // About 1 KB each: 50 MB in all, more than the kernel buffers between the server and the hanging client.
      await placeOrdersDirectly(databaseFile, 50_000, { nameLength: 1_000 });
      const appendedAt = Date.now();
      // The reader that keeps reading gets everything, in order, without a hole.
      await waitUntil(() => reader.items.length >= 50_000, 60_000);
      const caughtUpAt = Date.now();
      appending = false;
      await sampling;
      heap.push(await heapUsed());

      console.info(
        `50,000 events appended in ${appendedAt - startedAt} ms; the reading subscriber had all ${caughtUpAt - appendedAt} ms later; ` +
          `server heap ${mb(heap[0]!)} MB before, at most ${mb(Math.max(...heap))} MB (bound ${mb(HEAP_BOUND_BYTES)} MB)`,
      );
      expect(reader.items.map(({ position }) => position)).toEqual(range(1, 50_000));
      expect(reader.errors).toEqual([]);
      expect(Math.max(...heap)).toBeLessThan(HEAP_BOUND_BYTES);
      // The hanging client was let go, not buffered for: closed with 4503, a frame it gets only if it
      // reads within the 5 s grace; the reader catching up may have taken longer, and then the server
      // has dropped the connection (1006 here). Either way the server holds the reader's connection only.
      hanging.resumeReading();
      const closed = await hanging.closed;
      expect([4503, 1006]).toContain(closed.code);
      if (closed.code === 4503) expect(closed.reason).toMatch(/resume from your last position/);
      await expect
        .poll(() => metric('orderstream_websocket_connections'), { timeout: 10_000, message: "the reader's connection only" })
        .toBe(1);
      await reader.stop();
      // Genuinely long: 50 MB appended, then read by the subscriber that keeps up (about 30 s in all here).
    }, 120_000);
  });
});

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
