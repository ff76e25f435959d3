import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { InventoryCommands } from '../../../src/application/inventoryCommands.js';
import type { StoredEvent } from '../../../src/eventstore/eventStore.js';
import { clientConfig } from '../../../src/eventstore/postgres/connection.js';
import { CustomerSummaryQueries } from '../../../src/projections/customerSummary/queries.js';
import { customerSummaryModel } from '../../../src/projections/customerSummary/readModel.js';
import { DashboardQueries } from '../../../src/projections/dashboard/queries.js';
import { dashboardModel } from '../../../src/projections/dashboard/readModel.js';
import type { DashboardWindow } from '../../../src/projections/dashboard/view.js';
import { PostgresReadModelWriter } from '../../../src/projections/postgres/postgresWriter.js';
import { readSideTypes } from '../../../src/projections/postgres/readSidePool.js';
import type { AnyReadModel } from '../../../src/projections/readModel.js';
import { physicalName } from '../../../src/projections/sqlite/generations.js';
import { createTableSql } from '../../../src/projections/tables.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../../support/postgres.js';
import { OrderLogFixture } from '../readModelFixture.js';

const ms = (iso: string) => Date.parse(iso);
const CABLE = [{ productId: 'p3', name: 'Cable', quantity: 1, unitPriceMinor: 1550 }];
const STICKERS = [{ productId: 'p4', name: 'Sticker', quantity: 3, unitPriceMinor: 99 }];
const MUG = [{ productId: 'p5', name: 'Mug', quantity: 1, unitPriceMinor: 2000 }];

/**
 * cust-1: A (109.97 USD) paid and shipped; B (15.50 USD) paid, then cancelled and refunded; C (2.97
 * USD) pending; D (20.00 EUR) paid, placed earliest but appended late; E (109.97 USD) cancelled
 * unpaid. cust-2: X (109.97 USD) paid; F (20.00 EUR) placed at the last millisecond of a day, paid
 * at the first of the next, cancelled and refunded. cust-3: G (20.00 EUR) paid and shipped.
 * Products are added in between, which neither read model counts.
 */
async function writeScenario(log: OrderLogFixture): Promise<void> {
  const inventory = new InventoryCommands(log.store);
  const addProduct = (at: string, productId: string) =>
    inventory.execute(
      { type: 'AddProduct', data: { productId, name: productId, quantity: 5, now: at } },
      { userId: 'test', correlationId: 'read-models', occurredAt: at },
    );
  await addProduct('2025-01-10T09:00:00.000Z', 'p1');
  await log.place('2025-01-10T10:00:00.000Z', 'A', 'cust-1');
  await log.pay('2025-01-10T10:05:00.000Z', 'A', 10997);
  await log.place('2025-01-10T11:00:00.000Z', 'X', 'cust-2');
  await log.pay('2025-01-10T11:30:00.000Z', 'X', 10997);
  await log.ship('2025-01-11T09:00:00.000Z', 'A');
  await log.place('2025-01-11T23:59:59.999Z', 'F', 'cust-2', MUG, 'EUR');
  await log.pay('2025-01-12T00:00:00.000Z', 'F', 2000);
  await log.place('2025-01-12T08:00:00.000Z', 'B', 'cust-1', CABLE);
  await addProduct('2025-01-12T08:10:00.000Z', 'p2');
  await log.pay('2025-01-12T08:30:00.000Z', 'B', 1550);
  await log.cancel('2025-01-12T10:00:00.000Z', 'F');
  await log.place('2025-01-13T09:00:00.000Z', 'G', 'cust-3', MUG, 'EUR');
  await log.pay('2025-01-13T09:10:00.000Z', 'G', 2000);
  await log.ship('2025-01-13T09:20:00.000Z', 'G');
  await log.cancel('2025-01-13T12:00:00.000Z', 'B');
  await log.place('2025-01-14T00:00:00.000Z', 'C', 'cust-1', STICKERS);
  await log.place('2025-01-09T12:00:00.000Z', 'D', 'cust-1', MUG, 'EUR');
  await log.pay('2025-01-09T12:10:00.000Z', 'D', 2000);
  await log.place('2025-01-13T15:00:00.000Z', 'E', 'cust-1');
  await log.cancel('2025-01-13T16:00:00.000Z', 'E');
}

const CUSTOMERS = ['cust-1', 'cust-2', 'cust-3', 'no-such-customer'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];
const WINDOWS: Record<string, Omit<DashboardWindow, 'currency'>> = {
  open: {},
  'from the 11th': { fromMs: ms('2025-01-11T00:00:00.000Z') },
  // F's payment, at exactly 2025-01-12T00:00, falls outside; its placing, a millisecond before, inside.
  'until the 12th': { toMs: ms('2025-01-12T00:00:00.000Z') },
  'cutting the 10th and the 12th': { fromMs: ms('2025-01-10T10:30:00.000Z'), toMs: ms('2025-01-12T09:00:00.000Z') },
  // from is inclusive (X's payment), to exclusive (B's cancellation).
  'from an event to an event': { fromMs: ms('2025-01-10T11:30:00.000Z'), toMs: ms('2025-01-13T12:00:00.000Z') },
  empty: { fromMs: ms('2030-01-01T00:00:00.000Z') },
};

type Answers = { summaries: Record<string, unknown>; dashboards: Record<string, unknown> };

/** Every answer of both read models over the scenario, keyed so that a difference names its query. */
async function answersOf(customers: CustomerSummaryQueries, dashboard: DashboardQueries): Promise<Answers> {
  const answers: Answers = { summaries: {}, dashboards: {} };
  for (const customerId of CUSTOMERS) answers.summaries[customerId] = await customers.getCustomerSummary(customerId);
  for (const currency of CURRENCIES) {
    for (const [name, window] of Object.entries(WINDOWS)) {
      answers.dashboards[`${currency}, ${name}`] = await dashboard.getDashboard({ ...window, currency });
    }
  }
  return answers;
}

const DEFINITIONS: AnyReadModel[] = [customerSummaryModel, dashboardModel];

/** Generation 1 of each read model's tables, and the logical names as views onto it, as the engine makes it live. */
async function createLiveGeneration(client: pg.ClientBase): Promise<void> {
  for (const definition of DEFINITIONS) {
    for (const [logical, table] of Object.entries(definition.tables)) {
      await client.query(createTableSql('postgres', physicalName(logical, 1), table));
      await client.query(`CREATE VIEW ${logical} AS SELECT * FROM ${physicalName(logical, 1)}`);
    }
  }
}

/** Applies the events to generation 1 in one transaction, as the engine applies a batch (one write of them all per read model). */
async function apply(client: pg.ClientBase, events: StoredEvent[]): Promise<void> {
  const writers = DEFINITIONS.map(
    (definition) =>
      new PostgresReadModelWriter(
        definition,
        Object.fromEntries(Object.keys(definition.tables).map((logical) => [logical, physicalName(logical, 1)])),
        true,
      ),
  );
  await client.query('BEGIN');
  for (const writer of writers) await writer.apply(client, events);
  await client.query('COMMIT');
}

await describeWithPostgres('customerSummary and dashboard in PostgreSQL', () => {
  let log: OrderLogFixture;
  let events: StoredEvent[];
  let sqliteAnswers: Answers;
  let schema: TestSchema;
  let client: pg.Client;
  let postgresAnswers: () => Promise<Answers>;

  // The SQLite twins' answers over the scenario: what the PostgreSQL read models must answer.
  beforeAll(async () => {
    log = new OrderLogFixture();
    await writeScenario(log);
    await log.startEngine([customerSummaryModel, dashboardModel]);
    events = await log.store.readAll();
    sqliteAnswers = await answersOf(new CustomerSummaryQueries(log.db), new DashboardQueries(log.db));
  });
  afterAll(() => log.dispose());

  beforeEach(async () => {
    schema = await createTestSchema();
    client = new pg.Client({
      ...clientConfig({ connectionString: POSTGRES_TEST_URL, schema: schema.schema }, 'test'),
      types: readSideTypes,
    });
    await client.connect();
    await createLiveGeneration(client);
    postgresAnswers = () => answersOf(new CustomerSummaryQueries(client), new DashboardQueries(client));
  });
  afterEach(async () => {
    await client.end();
    await schema.drop();
  });

  it('should answer every customer summary as SQLite does, exact in minor units', async () => {
    await apply(client, events);

    const { summaries } = await postgresAnswers();
    expect(summaries).toEqual(sqliteAnswers.summaries);
    // Not two equal blanks: USD 109.97 (A) + 15.50 (B) − 15.50 (B's refund), EUR 20.00 (D).
    expect(summaries['cust-1']).toMatchObject({
      orderCount: 5,
      cancelledCount: 2,
      firstOrderAt: '2025-01-09T12:00:00.000Z',
      latestCurrency: 'USD',
      spendByCurrency: [
        { amountMinor: 2000, currency: 'EUR' },
        { amountMinor: 10997, currency: 'USD' },
      ],
    });
  });

  it('should answer every dashboard as SQLite does, for every window and currency', async () => {
    await apply(client, events);

    const { dashboards } = await postgresAnswers();
    expect(dashboards).toEqual(sqliteAnswers.dashboards);
    // Not two equal blanks: payments 109.97 × 2 + 15.50 minus the refund 15.50.
    expect(dashboards['USD, open']).toMatchObject({ currencies: ['EUR', 'USD'], ordersPlaced: 5, revenueMinor: 21994 });
    expect(dashboards['EUR, until the 12th']).toMatchObject({ ordersPlaced: 2, revenueMinor: 2000 });
  });

  it('should change no answer when the whole log is applied a second time', async () => {
    await apply(client, events);
    const once = await postgresAnswers();

    await apply(client, events);
    expect(await postgresAnswers()).toEqual(once);
    expect(once).toEqual(sqliteAnswers);
  });

  it('should change no answer when each event is applied twice in a row', async () => {
    await apply(
      client,
      events.flatMap((event) => [event, event]),
    );
    expect(await postgresAnswers()).toEqual(sqliteAnswers);
  });
});
