import { createServer, type Server, Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GetOrderDocument, ListOrdersDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { settled } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

// The server's way to PostgreSQL goes through a TCP relay the test can cut, as a network partition
// or a database restart would: storage faults on PostgreSQL answer as they do on SQLite.

await describeWithPostgres('The server with its log in PostgreSQL when PostgreSQL cannot be reached', () => {
  let schema: TestSchema;
  let relay: Relay;
  let server: TestServer;

  beforeAll(async () => {
    schema = await createTestSchema();
    relay = await Relay.start(new URL(POSTGRES_TEST_URL));
    const url = new URL(POSTGRES_TEST_URL);
    url.host = `127.0.0.1:${relay.port}`;
    server = await startTestServer({ config: { postgres: { connectionString: url.toString(), schema: schema.schema } } });
  });

  afterAll(async () => {
    await server?.dispose();
    await relay?.close();
    await schema?.drop();
  });

  it('should answer mutations and queries with SERVICE_UNAVAILABLE, be unready, and recover without a restart', async () => {
    const { placeOrder: before } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'before-cut' }) });
    expect(await readiness(server)).toMatchObject({ status: 200, database: { status: 'ok' } });

    await relay.cut();
    const refused = await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'during-cut' }) });
    expect(refused.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(refused.errors?.[0]?.message).toMatch(/PostgreSQL/);
    // The read models are in PostgreSQL too: a query says so, in words a frontend can show.
    const unread = await request(server.url, ListOrdersDocument, {});
    expect(unread.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(unread.errors?.[0]?.message).toMatch(/^The read models cannot be read right now: PostgreSQL cannot be reached/);
    // The write probe's result is reused for a second: wait for the next probe.
    await expect.poll(async () => (await readiness(server)).database.status, { timeout: 5_000 }).toBe('failing');
    expect(await readiness(server)).toMatchObject({
      status: 503,
      database: { status: 'failing', reason: expect.stringMatching(/^The event log cannot take writes: PostgreSQL cannot be reached/) },
    });

    await relay.restore();
    // The pool drops its broken connections and opens new ones: the next tries go through.
    const deadline = Date.now() + 10_000;
    let after = await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'after-cut' }) });
    while (after.errors && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'after-cut' }) });
    }
    expect(after.errors).toBeUndefined();
    expect(after.data?.placeOrder).toMatchObject({ id: 'after-cut', status: 'PENDING', version: 1 });
    await settled(server.url);
    await expect.poll(async () => (await readiness(server)).database.status, { timeout: 5_000 }).toBe('ok');
    expect(await readiness(server)).toMatchObject({ status: 200, database: { status: 'ok' } });
    // Nothing of the refused command was stored; the order from before is read again.
    expect((await requestData(server.url, GetOrderDocument, { id: 'during-cut' })).order).toBeNull();
    const { orders } = await requestData(server.url, ListOrdersDocument, {});
    expect(orders.edges.map(({ node }) => node.id)).toEqual(['after-cut', before.id]);
  });
});

/** /readyz's status and its database check. */
async function readiness(server: TestServer): Promise<{ status: number; database: { status: string; reason?: string } }> {
  const response = await fetch(server.url.replace(/\/graphql$/, '/readyz'));
  const body = (await response.json()) as { checks: { database: { status: string; reason?: string } } };
  return { status: response.status, database: body.checks.database };
}

/** A TCP relay to PostgreSQL on a port of its own; `cut` closes it and every connection through it. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: URL,
    public port = 0,
  ) {}

  static async start(target: URL): Promise<Relay> {
    const relay = new Relay(target);
    await relay.restore();
    return relay;
  }

  /** Listens again (on the same port after a cut). */
  async restore(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(this.target.port || 5432), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening and drops every connection, as a partition or a restart would. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  close(): Promise<void> {
    return this.cut();
  }
}
