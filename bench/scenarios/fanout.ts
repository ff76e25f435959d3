/**
 * Scenario 4: fan-out. `subscribers` graphql-ws clients (one WebSocket each, plain `ws` speaking
 * graphql-transport-ws, so the client side costs little and the same for both servers) subscribe to
 * `ordersChanged`; changes come from `placeOrder` mutations on orderstream, and from `POST /publish`
 * on the bare graphql-ws baseline (same payload shape and selection, in-memory pub/sub).
 *
 * - Latency: changes one at a time; for each, from the change's `updatedAt` (orderstream: the
 *   event's occurredAt, stamped just before the append, so the figure includes the commit and its
 *   fsync; baseline: the publish) to the moment the last subscriber has it. Same clock, 1 ms
 *   resolution (the timestamps are ISO strings). p50 and p99 over `changes` changes.
 * - Throughput: `inFlight` triggers kept in flight for `seconds`; messages delivered to all
 *   subscribers per second of that window.
 */
import WebSocket from 'ws';
import { type Child, waitIdle } from '../lib/children.js';
import { compare, log, quantile, round, type Row } from '../lib/report.js';
import { graphql, PLACE_ORDER, PLACE_ORDER_INPUT } from './http.js';

export type FanOutOptions = { subscribers: number; changes: number; seconds: number; inFlight: number };

export const SUBSCRIPTION =
  'subscription { ordersChanged { id customerId status itemCount total { amount currency } updatedAt version position } }';

export type Figures = { p50Ms: number; p99Ms: number; messagesPerSecond: number; lost: number };

/** A connected set of subscribers and what they received. */
class Subscribers {
  private readonly sockets: WebSocket[] = [];
  /** Per change (by id): how many subscribers have it, and when the last did. */
  private readonly received = new Map<string, { count: number; sentAt: number; lastAt: number }>();
  private waiters = new Map<string, () => void>();
  total = 0;

  constructor(private readonly count: number) {}

  async connect(wsUrl: string, token: string | undefined): Promise<void> {
    const batch = 100;
    for (let start = 0; start < this.count; start += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, this.count - start) }, () => this.open(wsUrl, token)));
    }
    // Subscriptions are registered once the server has processed `subscribe`: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  private open(wsUrl: string, token: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      this.sockets.push(socket);
      socket.on('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
      });
      socket.on('error', reject);
      // Refused (a cap, a bad token): fail the bench rather than wait for an acknowledgement that never comes.
      socket.on('close', (code: number, reason: Buffer) =>
        reject(new Error(`subscriber closed before it was acknowledged: ${code} ${reason}`)),
      );
      socket.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('{"id":"1","type":"next"')) return this.onNext(text);
        const message = JSON.parse(text) as { type: string; payload?: unknown };
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
          resolve();
        } else if (message.type === 'ping') socket.send('{"type":"pong"}');
        else if (message.type === 'error' || message.type === 'complete') reject(new Error(`subscription ended: ${text}`));
      });
    });
  }

  /** Reads only what it needs (the order id and updatedAt): the client must not be the bottleneck. */
  private onNext(text: string): void {
    const now = performance.timeOrigin + performance.now();
    this.total++;
    const id = between(text, '"id":"', '"', text.indexOf('"ordersChanged"'));
    let entry = this.received.get(id);
    if (!entry) {
      entry = { count: 0, sentAt: Date.parse(between(text, '"updatedAt":"', '"')), lastAt: 0 };
      this.received.set(id, entry);
    }
    entry.count++;
    entry.lastAt = now;
    if (entry.count === this.count) this.waiters.get(id)?.();
  }

  /** Resolves when every subscriber has the change with this id (false after timeoutMs). */
  allHave(id: string, timeoutMs = 10_000): Promise<boolean> {
    if (this.received.get(id)?.count === this.count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        resolve(false);
      }, timeoutMs);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        this.waiters.delete(id);
        resolve(true);
      });
    });
  }

  latencyOf(id: string): number | undefined {
    const entry = this.received.get(id);
    return entry && entry.count === this.count ? entry.lastAt - entry.sentAt : undefined;
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
  }
}

function between(text: string, before: string, after: string, from = 0): string {
  const start = text.indexOf(before, from) + before.length;
  return text.slice(start, text.indexOf(after, start));
}

/** Fan-out on one server; `trigger` makes one change and resolves with its order id. */
export async function measure(
  wsUrl: string,
  token: string | undefined,
  trigger: () => Promise<string>,
  options: FanOutOptions,
  onConnected?: () => void,
): Promise<Figures> {
  const subscribers = new Subscribers(options.subscribers);
  await subscribers.connect(wsUrl, token);
  onConnected?.();
  try {
    // Warm-up, then latency: one change at a time.
    for (let index = 0; index < 5; index++) await subscribers.allHave(await trigger());
    const latencies: number[] = [];
    let lost = 0;
    for (let index = 0; index < options.changes; index++) {
      const id = await trigger();
      if (!(await subscribers.allHave(id))) lost++;
      const latency = subscribers.latencyOf(id);
      if (latency !== undefined) latencies.push(latency);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Throughput: `inFlight` triggers at a time for `seconds`.
    const before = subscribers.total;
    const start = performance.now();
    const deadline = start + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.inFlight }, async () => {
        while (performance.now() < deadline) await trigger();
      }),
    );
    const messagesPerSecond = (subscribers.total - before) / ((performance.now() - start) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // drain before the sockets close
    return {
      p50Ms: round(quantile(latencies, 0.5), 1),
      p99Ms: round(quantile(latencies, 0.99), 1),
      messagesPerSecond: round(messagesPerSecond),
      lost,
    };
  } finally {
    subscribers.close();
  }
}

export async function fanOutScenario(
  server: Child,
  bare: Child,
  tokens: { customer: string; staff: string },
  options: FanOutOptions,
  onServerSubscribed?: () => void,
): Promise<{ rows: Row[]; raw: { orderstream: Figures; baseline: Figures } }> {
  const auth = { authorization: `Bearer ${tokens.customer}` };
  const publishUrl = bare.url.replace(/\/graphql$/, '/publish');
  await waitIdle([server, bare]);
  log(`  baseline: ${options.subscribers} subscribers on the bare graphql-ws server…`);
  const baseline = await measure(
    bare.wsUrl,
    undefined,
    async () => {
      const response = await fetch(publishUrl, { method: 'POST' });
      return ((await response.json()) as { id: string }).id;
    },
    options,
  );
  log(`    ${JSON.stringify(baseline)}`);
  await waitIdle([server, bare]);
  log(`  orderstream: ${options.subscribers} subscribers (staff) to ordersChanged, changes from placeOrder…`);
  const orderstream = await measure(
    server.wsUrl,
    tokens.staff,
    async () => {
      const data = await graphql(server.url, auth, PLACE_ORDER, { input: PLACE_ORDER_INPUT });
      return (data.placeOrder as { id: string }).id;
    },
    options,
    onServerSubscribed,
  );
  log(`    ${JSON.stringify(orderstream)}`);
  const n = options.subscribers;
  const rows: Row[] = [
    compare(
      { scenario: '4', figure: `fan-out to ${n} subscribers, delivered messages/s`, unit: 'msg/s', value: orderstream.messagesPerSecond },
      { name: 'bare graphql-ws', value: baseline.messagesPerSecond },
      { min: 2 },
    ),
    compare(
      { scenario: '4', figure: 'fan-out, commit to last subscriber, p50', unit: 'ms', value: orderstream.p50Ms },
      { name: 'bare graphql-ws', value: baseline.p50Ms },
    ),
    compare(
      { scenario: '4', figure: 'fan-out, commit to last subscriber, p99', unit: 'ms', value: orderstream.p99Ms },
      { name: 'bare graphql-ws', value: baseline.p99Ms },
      { max: 1 },
    ),
  ];
  if (orderstream.lost + baseline.lost > 0) {
    rows.at(-1)!.note = `changes not delivered to every subscriber within 10 s: orderstream ${orderstream.lost}, baseline ${baseline.lost}`;
  }
  return { rows, raw: { orderstream, baseline } };
}
