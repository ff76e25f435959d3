import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { OrderCommands } from '../../../src/application/orderCommands.js';
import type { StoredEvent } from '../../../src/eventstore/eventStore.js';
import { clientConfig } from '../../../src/eventstore/postgres/connection.js';
import { openPostgresEventStore, type PostgresEventStore } from '../../../src/eventstore/postgres/postgresEventStore.js';
import { CustomerSummaryQueries } from '../../../src/projections/customerSummary/queries.js';
import { DashboardQueries } from '../../../src/projections/dashboard/queries.js';
import { readModels } from '../../../src/projections/definitions.js';
import { OrderViewQueries } from '../../../src/projections/orderView/queries.js';
import { orderViewModel } from '../../../src/projections/orderView/readModel.js';
import type { OrderViewChange } from '../../../src/projections/orderView/view.js';
import { type PostgresEngineOptions, PostgresProjectionEngine } from '../../../src/projections/postgres/postgresEngine.js';
import { readSideTypes } from '../../../src/projections/postgres/readSidePool.js';
import type { AnyReadModel } from '../../../src/projections/readModel.js';
import { ChangeFeed } from '../../../src/subscriptions/changeFeed.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, terminateBackend, type TestSchema } from '../../support/postgres.js';
import { REFERENCE_ITEMS } from '../readModelFixture.js';

// Several engines (as several server instances would run them) on one PostgreSQL schema: one leads
// each read model, the others follow its checkpoints and announced changes, and take over when it goes.

type Instance = {
  engine: PostgresProjectionEngine;
  pool: pg.Pool;
  changes: OrderViewChange[];
  feed: ChangeFeed<OrderViewChange>;
  orders: OrderViewQueries;
};

await describeWithPostgres('PostgreSQL read models shared by several instances', () => {
  let schema: TestSchema;
  let store: PostgresEventStore;
  let commands: OrderCommands;
  const instances: Instance[] = [];
  const connection = () => ({ connectionString: POSTGRES_TEST_URL, schema: schema.schema });

  async function startInstance(
    definitions: readonly AnyReadModel[] = readModels,
    options: Partial<PostgresEngineOptions> = {},
    { listening = true } = {},
  ): Promise<Instance> {
    const pool = new pg.Pool({ ...clientConfig(connection(), 'test read side'), types: readSideTypes, max: 4 });
    const feed = new ChangeFeed<OrderViewChange>();
    const changes: OrderViewChange[] = [];
    if (listening) feed.attach({ offer: (change) => changes.push(change) });
    const engine = new PostgresProjectionEngine(pool, store, definitions, {
      connection: connection(),
      feeds: { orderView: feed },
      pollIntervalMs: 50,
      batchSize: 3,
      rebuildBatchSize: 4,
      ...options,
    });
    await engine.start();
    const instance = { engine, pool, changes, feed, orders: new OrderViewQueries(pool) };
    instances.push(instance);
    return instance;
  }

  async function stopInstance(instance: Instance): Promise<void> {
    instances.splice(instances.indexOf(instance), 1);
    await instance.engine.stop();
    await instance.pool.end();
  }

  const place = (orderId: string, customerId = 'c-1') =>
    commands.execute(
      { type: 'PlaceOrder', data: { orderId, customerId, items: REFERENCE_ITEMS, currency: 'USD', now: new Date().toISOString() } },
      { userId: 'test', correlationId: orderId },
    );
  const pay = (orderId: string) =>
    commands.execute(
      {
        type: 'ReceivePayment',
        data: { orderId, paymentId: `pay-${orderId}`, amountMinor: 10997, scale: 2, method: 'card', now: new Date().toISOString() },
      },
      { userId: 'test', correlationId: orderId },
    );

  /** The server processes of the connections holding `name`'s lock in this test's schema: the leader's. */
  async function leaderBackends(name: string): Promise<number[]> {
    const { rows } = await instances[0]!.pool.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 360100 -- the read models' lock class
         AND l.objid::int = hashtext(current_schema() || '.' || $1)`,
      [name],
    );
    return rows.map((row) => row.pid);
  }
  const leaderBackend = async (name: string) => (await leaderBackends(name))[0];

  beforeEach(async () => {
    schema = await createTestSchema();
    store = await openPostgresEventStore({ ...connection(), poolSize: 4 });
    commands = new OrderCommands(store);
  });

  afterEach(async () => {
    for (const instance of [...instances]) await stopInstance(instance);
    await store.close();
    await schema.drop();
  });

  it('should let one instance write each read model and every instance read its writes and its changes', async () => {
    const [a, b] = [await startInstance(), await startInstance()];
    for (let i = 1; i <= 5; i++) await place(`o-${i}`);
    const position = (await pay('o-2')).lastPosition;

    await Promise.all([a.engine.waitFor(position), b.engine.waitFor(position)]);
    for (const instance of [a, b]) {
      expect(await instance.orders.getOrderView('o-2')).toMatchObject({ status: 'PAID', version: 2, totalMinor: 10997 });
      expect((await instance.orders.listOrderViews({}, 10)).totalCount).toBe(5);
    }
    // Exactly one leader per read model, whichever instance it is.
    const leaders = await Promise.all(['orderView', 'customerSummary', 'dashboard', 'productView'].map(leaderBackends));
    expect(leaders.map((pids) => pids.length)).toEqual([1, 1, 1, 1]);
    // Both instances' feeds got every change, once, in position order.
    await waitFor(() => a.changes.length === 6 && b.changes.length === 6);
    for (const instance of [a, b]) {
      expect(instance.changes.map((c) => [c.view.id, c.view.version])).toEqual([
        ['o-1', 1],
        ['o-2', 1],
        ['o-3', 1],
        ['o-4', 1],
        ['o-5', 1],
        ['o-2', 2],
      ]);
    }
  });

  it('should not read the announced changes where no one listens, and publish them from there once someone does', async () => {
    const a = await startInstance();
    const b = await startInstance(readModels, {}, { listening: false });
    // b's reads of the announced changes, counted on its pool.
    let changeReads = 0;
    const query = b.pool.query.bind(b.pool) as (...args: unknown[]) => Promise<unknown>;
    (b.pool as { query: unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('FROM read_model_changes')) changeReads++;
      return query(...args);
    };
    for (let i = 1; i <= 4; i++) await place(`quiet-${i}`);
    const { lastPosition } = await place('quiet-5');
    await Promise.all([a.engine.waitFor(lastPosition), b.engine.waitFor(lastPosition)]);
    await waitFor(() => a.changes.length === 5);
    expect(changeReads).toBe(0);

    const heard: OrderViewChange[] = [];
    b.feed.attach({ offer: (change) => heard.push(change) });
    await place('heard-1');
    await pay('quiet-2');
    await waitFor(() => heard.length === 2);
    expect(heard.map((c) => [c.view.id, c.view.version])).toEqual([
      ['heard-1', 1],
      ['quiet-2', 2],
    ]);
    expect(changeReads).toBeGreaterThan(0);
  });

  it('should feed every read model it leads from one read of the log, in one transaction per batch', async () => {
    // No poll: it makes the leaders look at their bookkeeping, each in a step of its own.
    const a = await startInstance(readModels, { pollIntervalMs: 60_000, batchSize: 100 });
    // Until the leaders' first steps of their own (reading their bookkeeping) are over: an order fed to all five at once.
    let warmUps = 0;
    await waitFor(async () => {
      const start = a.engine.jointBatches;
      await a.engine.waitFor((await place(`warm-up-${++warmUps}`)).lastPosition);
      const end = a.engine.jointBatches;
      return end.batches > start.batches && end.readModels - start.readModels === (end.batches - start.batches) * readModels.length;
    });
    const before = a.engine.jointBatches;
    const changesBefore = a.changes.length;
    for (let i = 1; i <= 6; i++) {
      const { lastPosition } = await place(`j-${i}`);
      await a.engine.waitFor(lastPosition);
    }
    const after = a.engine.jointBatches;
    const batches = after.batches - before.batches;
    expect(batches).toBeGreaterThanOrEqual(1);
    // Each batch fed all of them together, their statements bundled: one round trip per step (load, load
    // what the loaded rows name, write, checkpoints) and the COMMIT, not one per statement (about 18).
    expect(after.readModels - before.readModels).toBe(batches * readModels.length);
    expect(after.roundTrips - before.roundTrips).toBeLessThanOrEqual(batches * 5);
    const head = await store.headPosition();
    expect((await a.engine.status()).map((s) => [s.name, s.position])).toEqual(readModels.map((m) => [m.name, head]));
    expect((await a.orders.listOrderViews({}, 10)).totalCount).toBe(6 + warmUps);
    await waitFor(() => a.changes.length === changesBefore + 6);
  });

  it('should apply and announce every change once, in order, while the leaders own steps interleave with the joint batches', async () => {
    // A poll every few milliseconds: each leader also steps on its own, to the head as it finds it,
    // so joint batches may begin with the read models at different positions.
    const a = await startInstance(readModels, { pollIntervalMs: 3 });
    const placed = [];
    for (let i = 1; i <= 60; i++) {
      placed.push(await place(`apart-${i}`));
      if (i % 3 === 0) void a.engine.waitFor(placed.at(-1)!.lastPosition);
    }
    const head = await store.headPosition();
    await a.engine.waitFor(head);

    expect((await a.engine.status()).map((s) => [s.name, s.state, s.position])).toEqual(readModels.map((m) => [m.name, 'LIVE', head]));
    expect((await a.orders.listOrderViews({}, 100)).totalCount).toBe(60);
    // Every order announced once, in order, from the end of the first build on: a checkpoint moved
    // back would apply (and announce) events twice.
    await waitFor(() => a.changes.at(-1)?.view.id === 'apart-60');
    const announced = a.changes.map((change) => change.view.id);
    expect(announced).toEqual(placed.map((_, i) => `apart-${i + 1}`).slice(60 - announced.length));
  });

  it('should fail over when the leader goes: the other instance continues from the checkpoint, nothing skipped or doubled', async () => {
    const a = await startInstance();
    const b = await startInstance();
    const before = await leaderBackend('orderView');
    expect(before).toBeDefined();
    // Appends keep coming while the leader's connection is cut (as when its process is killed).
    const writer = (async () => {
      for (let i = 1; i <= 40; i++) {
        await place(`f-${i}`, `c-${i % 3}`);
        if (i % 2 === 0) await pay(`f-${i}`);
        if (i === 10)
          for (const name of ['orderView', 'customerSummary', 'dashboard', 'productView'])
            await terminateBackend((await leaderBackend(name))!);
      }
    })();
    await writer;
    const head = await store.headPosition();
    await Promise.all([a.engine.waitFor(head), b.engine.waitFor(head)]);
    expect(await leaderBackend('orderView')).not.toBe(before);

    for (const instance of [a, b]) {
      const page = await instance.orders.listOrderViews({}, 100);
      expect(page.totalCount).toBe(40);
      for (const { view } of page.nodes) {
        const events = await store.readStream(`order-${view.id}`);
        expect(view.version).toBe(events.length);
      }
    }
    // Counted once each: a batch applied twice would double these.
    const customers = new CustomerSummaryQueries(a.pool);
    const counts = await Promise.all(['c-0', 'c-1', 'c-2'].map(async (id) => (await customers.getCustomerSummary(id))?.orderCount));
    expect(counts.reduce<number>((sum, n) => sum + (n ?? 0), 0)).toBe(40);
    const dashboard = await new DashboardQueries(a.pool).getDashboard({ currency: 'USD' });
    expect(dashboard.ordersPlaced).toBe(40);
    expect(dashboard.revenueMinor).toBe(20 * 10997);
    // Each instance's feed: every order change exactly once, in position order, across the failover.
    const expected = (await store.readAll({ afterPosition: 0, limit: 1000 })).map((event) => event.position);
    await waitFor(() => a.changes.length === expected.length && b.changes.length === expected.length);
    for (const instance of [a, b]) expect(instance.changes.map((c) => c.view.position)).toEqual(expected);
  });

  it('should take over from a leader that holds its lock but makes no progress, ending its connection', async () => {
    const first = await startInstance();
    await place('s-1');
    await first.engine.waitFor(await store.headPosition());
    await stopInstance(first);
    // A frozen leader: a connection that holds orderView's lock and does nothing.
    const frozen = new pg.Client(clientConfig(connection(), 'frozen leader'));
    await frozen.connect();
    frozen.on('error', () => {});
    await frozen.query("SELECT pg_advisory_lock(360100, hashtext(current_schema() || '.' || 'orderView'))");
    const follower = await startInstance(readModels, { stalledLeaderAfterMs: 300 });
    expect(await leaderBackends('orderView')).toEqual([(await frozen.query('SELECT pg_backend_pid() AS pid')).rows[0].pid]);

    const { lastPosition } = await place('s-2');
    await follower.engine.waitFor(lastPosition, ['orderView']);
    expect(await follower.orders.getOrderView('s-2')).toMatchObject({ status: 'PENDING', version: 1 });
    await expect(frozen.query('SELECT 1')).rejects.toThrow();
    await frozen.end().catch(() => {});
  });

  it('should keep the live tables up to date while a rebuild catches up beside them', async () => {
    // One event per rebuild batch: the rebuild takes a few hundred transactions.
    const a = await startInstance(readModels, { rebuildBatchSize: 1 });
    for (let i = 1; i <= 150; i++) await place(`l-${i}`);
    await a.engine.waitFor(await store.headPosition());
    const rebuildPosition = async () => (await a.engine.status()).find((s) => s.name === 'orderView')!.rebuildPosition;
    const rebuilt = a.engine.rebuild('orderView');
    await waitFor(async () => (await rebuildPosition()) !== null);

    const { lastPosition } = await place('during-rebuild');
    await a.engine.waitFor(lastPosition, ['orderView']);
    // The live tables show it while the rebuild is still far behind: they did not wait for it.
    expect(await rebuildPosition()).toBeLessThan(100);
    expect(await a.orders.getOrderView('during-rebuild')).toMatchObject({ status: 'PENDING' });
    await rebuilt;
    expect(await a.orders.getOrderView('during-rebuild')).toMatchObject({ status: 'PENDING' });
    expect((await a.orders.listOrderViews({}, 200)).totalCount).toBe(151);
  });

  it('should finish a rebuild while writes keep coming', async () => {
    // Batches big enough for the leader to outpace the writer, as in production (500 and 2,000).
    const a = await startInstance(readModels, { batchSize: 100, rebuildBatchSize: 100 });
    for (let i = 1; i <= 20; i++) await place(`w-${i}`);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) await place(`busy-${++written}`);
    })();
    try {
      await a.engine.rebuild('orderView');
    } finally {
      // Also when the rebuild fails: a writer left running would write to a store the next test closed.
      writing = false;
      await writer;
    }
    await a.engine.waitFor(await store.headPosition());
    expect(written).toBeGreaterThan(0);
    expect((await a.orders.listOrderViews({}, 500)).totalCount).toBe(20 + written);
  });

  it('should finish a rebuild when events come faster than the leader can apply them to both generations', async () => {
    // 10 ms per event applied, in either generation: at most 100 events/s. The writer appends about 65
    // a second: the live tables keep up, but not both generations (chunks alone never finish then).
    // `evolve` is synchronous now, so the 10 ms are a synchronous wait (it was a 10 ms timer before).
    const a = await startInstance(
      orderViewWith(() => sleepSync(10)),
      { batchSize: 100, rebuildBatchSize: 20 },
    );
    // More than a chunk (5 × 20 events) for the rebuild to catch up with at the start.
    for (let i = 1; i <= 150; i++) await place(`f-${i}`);
    await waitFor(async () => (await a.engine.status()).every((status) => status.state === 'LIVE' && status.position === 150));
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await place(`fast-${++written}`);
        await new Promise((resolve) => setTimeout(resolve, 12));
      }
    })();
    try {
      await a.engine.rebuild('orderView');
    } finally {
      writing = false;
      await writer;
    }
    const head = await store.headPosition();
    await a.engine.waitFor(head);
    expect(written).toBeGreaterThan(0);
    expect((await a.orders.listOrderViews({}, 1000)).totalCount).toBe(150 + written);
    const { rows } = await a.pool.query("SELECT generation FROM read_model_generations WHERE name = 'orderView' AND live");
    expect(rows).toEqual([{ generation: 2 }]);
    // Slow on purpose: 10 ms per event applied, in both generations (about 7 s here).
  }, 30_000);

  it('should drop a rebuild that fails, say why, and take the next request', async () => {
    let rebuildBreaks = true;
    // Fails only in the rebuild's tables (generation 2), so the live ones keep going. A read model's
    // `evolve` no longer knows which generation it writes: `rebuilding` is set only while that first
    // rebuild runs. Nothing is appended meanwhile, so the live generation (at the head already)
    // applies nothing then, and every event evolved while it is set is the rebuild's.
    let rebuilding = false;
    const definitions = orderViewFailing((event) => rebuildBreaks && rebuilding && event.type === 'PaymentReceived', 'bug in the rebuild');
    const a = await startInstance(definitions);
    await place('d-1');
    await pay('d-1');
    // orderView named: a first build still BUILDING is not waited for otherwise, and the live
    // generation must have applied every event before `rebuilding` is set.
    await a.engine.waitFor(await store.headPosition(), ['orderView']);

    rebuilding = true;
    try {
      await expect(a.engine.rebuild('orderView')).rejects.toThrow(/failed at event 2 \(PaymentReceived\): bug in the rebuild/);
    } finally {
      rebuilding = false;
    }
    const { rows } = await a.pool.query("SELECT generation, live FROM read_model_generations WHERE name = 'orderView'");
    expect(rows).toEqual([{ generation: 1, live: true }]);
    const leftovers = await a.pool.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'order_view%__g2'",
    );
    expect(leftovers.rows[0].n).toBe(0);
    rebuildBreaks = false;
    await a.engine.rebuild('orderView');
    expect(await a.orders.getOrderView('d-1')).toMatchObject({ status: 'PAID' });
  });

  it('should start serving while a new read model is still building from a long log', async () => {
    for (let i = 1; i <= 150; i++) await place(`b-${i}`);
    const a = await startInstance(readModels, { rebuildBatchSize: 1 });
    const orderView = async () => (await a.engine.status()).find((s) => s.name === 'orderView')!;
    expect((await orderView()).state).toBe('BUILDING');
    await waitFor(async () => (await orderView()).state === 'LIVE');
    expect((await a.orders.listOrderViews({}, 200)).totalCount).toBe(150);
  });

  it('should rebuild on request from any instance into fresh tables and swap them in with the same answers', async () => {
    const a = await startInstance();
    for (let i = 1; i <= 9; i++) await place(`r-${i}`);
    // orderView named: its first build (on this fresh schema) may still be BUILDING, which waitFor
    // does not wait for otherwise, and `before` must hold every order.
    await a.engine.waitFor(await store.headPosition(), ['orderView']);
    const b = await startInstance();
    const before = await b.orders.listOrderViews({}, 100);
    const generations = async () => (await a.pool.query("SELECT generation FROM read_model_generations WHERE name = 'orderView'")).rows;
    const [{ generation }] = await generations();

    await b.engine.rebuild('orderView');

    expect(await generations()).toEqual([{ generation: generation + 1 }]);
    expect(await a.orders.listOrderViews({}, 100)).toEqual(before);
    await expect(b.engine.retry('orderView')).rejects.toThrow(/has not failed/);
  });

  it('should stop a read model at an event it fails on, on every instance, until retried', async () => {
    let broken = true;
    const definitions = () => orderViewFailing((event) => broken && event.type === 'PaymentReceived', 'bug in the projection');
    const a = await startInstance(definitions());
    const b = await startInstance(definitions());
    await place('x-1');
    await pay('x-1');
    const head = await store.headPosition();
    await place('x-2');
    await b.engine.waitFor(head + 1);

    for (const instance of [a, b]) {
      const status = (await instance.engine.status()).find((s) => s.name === 'orderView')!;
      expect(status).toMatchObject({ state: 'FAILED', position: head - 1, lastError: { position: head, eventType: 'PaymentReceived' } });
    }
    expect(() => b.engine.assertCurrent('orderView', head)).toThrow(/stopped at event/);
    // The others went on past it, though they shared their batches with it.
    const others = (await a.engine.status()).filter((s) => s.name !== 'orderView');
    expect(others.map((s) => [s.state, s.position])).toEqual(others.map(() => ['LIVE', head + 1]));
    broken = false;
    await b.engine.retry('orderView');
    await a.engine.waitFor(head + 1, ['orderView']);
    await waitFor(async () => (await a.engine.status()).every((s) => s.state === 'LIVE' && s.position === head + 1));
    expect(await a.orders.getOrderView('x-1')).toMatchObject({ status: 'PAID' });
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every read model, with orderView's `evolve` throwing `message` where `fails` says (a bug in the read model). */
function orderViewFailing(fails: (event: StoredEvent) => boolean, message: string) {
  return orderViewWith((event) => {
    if (fails(event)) throw new Error(message);
  });
}

/**
 * The read models, orderView running `before` ahead of each event it applies (its `evolve`, which
 * stays synchronous), in whichever generation.
 */
function orderViewWith(before: (event: StoredEvent) => void): AnyReadModel[] {
  return readModels.map((definition) =>
    definition.name !== 'orderView'
      ? definition
      : {
          ...orderViewModel,
          documents: {
            ...orderViewModel.documents,
            evolve: (doc, event) => {
              before(event);
              return orderViewModel.documents.evolve(doc, event);
            },
          },
        },
  );
}

/** Blocks this thread for `ms` milliseconds (a slow synchronous `evolve`). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
