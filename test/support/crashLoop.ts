import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import Database from 'better-sqlite3';
import { type GraphQLFormattedError, print } from 'graphql';
import pg from 'pg';
import { clientIdempotencyKey } from '../../src/application/idempotencyKeys.js';
import { projectionDefinitions } from '../../src/projections/definitions.js';
import { postgresProjectionDefinitions } from '../../src/projections/postgres/definitions.js';
import {
  AddProductDocument,
  CancelOrderDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  GetOrderDocument,
  GetProductDocument,
  ListOrdersDocument,
  ListProductsDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  RebuildProjectionDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { ADMIN, bearer, subjectOf, type TestUser } from './auth.js';
import { type ChildServer, killHard, spawnServer } from './serverProcess.js';

// The crash loop of issue 7, shared by test/e2e/crashRecovery.test.ts and bench/soak.ts: no vitest here.

type Mutation = 'placeOrder' | 'receivePayment' | 'shipOrder' | 'cancelOrder';
type Status = 'PENDING' | 'PAID' | 'SHIPPED' | 'CANCELLED';

const DOCUMENTS = {
  placeOrder: PlaceOrderDocument,
  receivePayment: ReceivePaymentDocument,
  shipOrder: ShipOrderDocument,
  cancelOrder: CancelOrderDocument,
} as const;
const EVENT_OF: Record<Mutation, string> = {
  placeOrder: 'OrderPlaced',
  receivePayment: 'PaymentReceived',
  shipOrder: 'OrderShipped',
  cancelOrder: 'OrderCancelled',
};
const STATUS_AFTER: Record<Mutation, Status> = {
  placeOrder: 'PENDING',
  receivePayment: 'PAID',
  shipOrder: 'SHIPPED',
  cancelOrder: 'CANCELLED',
};
/** The event field that carries a command's token (see SentCommand). */
const TOKEN_FIELD: Record<string, string> = {
  OrderPlaced: 'orderId',
  PaymentReceived: 'paymentId',
  OrderShipped: 'trackingNumber',
  OrderCancelled: 'reason',
};
const STAFF: TestUser = { role: 'staff' };
const REQUEST_TIMEOUT_MS = 15_000;

/** One command as a client sent it; re-sent unchanged when it got no answer. */
export type SentCommand = {
  mutation: Mutation;
  orderId: string;
  /** Part of the input and unique to this command (order id, paymentId, trackingNumber or reason): finds its event. */
  token: string;
  commandId?: string;
  user: TestUser;
  input: Record<string, unknown>;
};

/** A successful answer: the order as the command left it. */
export type Ack = { command: SentCommand; version: number; status: string; cycle: number };

export type CycleReport = {
  cycle: number;
  /** From spawn to listening (the server catches its read models up before it listens). */
  listeningMs: number;
  /** From spawn to every read model and process LIVE at the head of the log. */
  caughtUpMs: number;
  /** When the kill -9 came, counted from the moment the writers started. */
  killedAfterMs: number;
  acknowledged: number;
  /** Requests cut off by the kill (their commands are re-sent in the next cycle). */
  unanswered: number;
  /** Re-sent commands answered in this cycle. */
  retriesAnswered: number;
};

export type CrashLoopOptions = {
  databaseFile: string;
  /** Concurrent clients, one customer each; default 6. */
  clients?: number;
  /** The kill comes this long after the writers start, uniformly at random; default [150, 600] ms. */
  killAfterMs?: [number, number];
  env?: Record<string, string>;
};

type Known = { status: Status; version: number; total: string; currency: string };
/** A product of the catalog the clients' customers order from, at its price. */
type CatalogProduct = { productId: string; name: string; unitPrice: string; currency: 'USD' | 'EUR' };
/** Products per currency: the customers' lines are drawn from these. */
const CATALOG_SIZE = 7;
type Counts = { acknowledged: number; unanswered: number; retriesAnswered: number };

type Answer =
  | { kind: 'answered'; data?: Record<string, any> | null; errors?: GraphQLFormattedError[] }
  | { kind: 'unanswered'; error: unknown };

/** One GraphQL POST; a connection cut by the kill (or no answer in time) is `unanswered`, never thrown. */
export async function post<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  user: TestUser = ADMIN,
): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await bearer(user) },
      body: JSON.stringify({ query: print(document), variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as { data?: Record<string, any> | null; errors?: GraphQLFormattedError[] };
    return { kind: 'answered', ...body };
  } catch (error) {
    return { kind: 'unanswered', error };
  }
}

async function postData<Data, Variables>(url: string, document: TypedDocumentNode<Data, Variables>, variables: Variables): Promise<Data> {
  const answer = await post(url, document, variables);
  if (answer.kind === 'unanswered') throw new Error(`No answer from ${url}: ${String(answer.error)}`);
  if (answer.errors?.length || !answer.data) throw new Error(`GraphQL request failed: ${JSON.stringify(answer.errors)}`);
  return answer.data as Data;
}

/** Resolves once every read model and process is LIVE at the head of the log (twice in a row when `stable`). */
export async function caughtUp(url: string, { timeoutMs = 60_000, pollMs = 10, stable = false } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let rounds = 0;
  for (;;) {
    const { projections } = await postData(url, ProjectionsDocument, {});
    const behind = projections.filter((status) => status.state !== 'LIVE' || status.position !== status.headPosition);
    rounds = behind.length === 0 ? rounds + 1 : 0;
    if (rounds >= (stable ? 2 : 1)) return;
    if (Date.now() > deadline) throw new Error(`Not caught up in time: ${JSON.stringify(behind)}`);
    await sleep(pollMs);
  }
}

/** A client: one customer placing, paying, shipping (as staff) and cancelling its own orders, one command at a time. */
class CrashClient {
  readonly customer: TestUser;
  readonly orders = new Map<string, Known>();
  /** The command whose answer the kill cut off: re-sent, unchanged, before anything else. */
  pending: SentCommand | undefined;
  /** Orders whose state the client must read again (after a refused blind retry). */
  private readonly stale = new Set<string>();
  private sequence = 0;

  constructor(
    readonly index: number,
    private readonly loop: CrashLoop,
  ) {
    this.customer = { role: 'customer', customerId: `crash-c${index}` };
  }

  async run(url: string, stopped: () => boolean, counts: Counts): Promise<void> {
    while (!stopped()) {
      if (this.pending) {
        await this.resend(url, counts);
        continue;
      }
      if (this.stale.size > 0) {
        if (!(await this.refresh(url))) return;
        continue;
      }
      await this.send(url, this.nextCommand(), false, counts);
    }
  }

  /** Re-sends the command the kill cut off, unchanged; true once it got an answer. */
  async resend(url: string, counts: Counts): Promise<boolean> {
    if (!this.pending || !(await this.send(url, this.pending, true, counts))) return false;
    counts.retriesAnswered++;
    return true;
  }

  /** Sends a command and records the outcome; false when it got no answer (it is then pending). */
  private async send(url: string, command: SentCommand, retry: boolean, counts: Counts): Promise<boolean> {
    this.loop.sent.set(command.token, command);
    const answer = await post(url, DOCUMENTS[command.mutation] as TypedDocumentNode<unknown, { input: any }>, { input: command.input }, command.user);
    if (answer.kind === 'unanswered') {
      this.pending = command;
      counts.unanswered++;
      return false;
    }
    this.pending = undefined;
    const order = answer.data?.[command.mutation] as { version: number; status: Status; total: { amount: string; currency: string } } | undefined;
    if (order) {
      this.loop.acks.push({ command, version: order.version, status: order.status, cycle: this.loop.cycles });
      counts.acknowledged++;
      if (order.status !== STATUS_AFTER[command.mutation]) {
        this.loop.problems.push(`${command.mutation} ${command.token} answered with status ${order.status}`);
      }
      const known = this.orders.get(command.orderId);
      // A replayed retry answers as the command left the order: never move the client's view backwards.
      if (!known || order.version >= known.version) {
        this.orders.set(command.orderId, { status: order.status, version: order.version, total: order.total.amount, currency: order.total.currency });
      }
      return true;
    }
    const code = answer.errors?.[0]?.extensions?.code;
    // A blind retry (no commandId) of a command that did take effect is refused: that is at-most-once working.
    const refusedRetry = retry && !command.commandId && (code === 'CONFLICT' || code === 'FAILED_PRECONDITION');
    if (refusedRetry) this.loop.refused.push(command);
    else this.loop.problems.push(`${command.mutation} ${command.token}${retry ? ' (retry)' : ''}: ${JSON.stringify(answer.errors)}`);
    this.stale.add(command.orderId);
    return true;
  }

  /** Reads the stale orders again; false when the server is gone. */
  private async refresh(url: string): Promise<boolean> {
    for (const orderId of [...this.stale]) {
      const answer = await post(url, GetOrderDocument, { id: orderId });
      if (answer.kind === 'unanswered') return false;
      const order = answer.data?.order as { status: Status; version: number; total: { amount: string; currency: string } } | null | undefined;
      if (order) this.orders.set(orderId, { status: order.status, version: order.version, total: order.total.amount, currency: order.total.currency });
      else this.orders.delete(orderId);
      this.stale.delete(orderId);
    }
    return true;
  }

  private nextCommand(): SentCommand {
    const tag = `c${this.index}-${++this.sequence}`;
    const commandId = Math.random() < 0.75 ? `cmd-${tag}` : undefined;
    const open = [...this.orders].filter(([, order]) => order.status === 'PENDING' || order.status === 'PAID');
    if (open.length === 0 || (open.length < 3 && Math.random() < 0.4)) {
      const orderId = `o-${tag}`;
      const lines = 1 + Math.floor(Math.random() * 3);
      const currency = Math.random() < 0.2 ? 'EUR' : 'USD';
      const items = Array.from({ length: lines }, (_, line) => {
        const product = this.loop.catalogProduct((this.index + line) % CATALOG_SIZE, currency);
        return {
          productId: product.productId,
          name: `Item ${line + 1}`,
          quantity: 1 + Math.floor(Math.random() * 4),
          // A customer pays the catalog's price: sent as the catalog shows it, or left to the catalog.
          ...(Math.random() < 0.5 && { unitPrice: product.unitPrice }),
        };
      });
      const input = { orderId, customerId: this.customer.customerId, items, currency, ...(commandId && { commandId }) };
      return { mutation: 'placeOrder', orderId, token: orderId, commandId, user: this.customer, input };
    }
    const [orderId, order] = open[Math.floor(Math.random() * open.length)]!;
    const expected = Math.random() < 0.3 ? { expectedVersion: order.version } : {};
    const common = { orderId, ...expected, ...(commandId && { commandId }) };
    if (Math.random() < 0.15) {
      const reason = `changed mind ${tag}`;
      // A customer cancels its own pending orders; staff cancel paid ones (refunded).
      const user = order.status === 'PENDING' ? this.customer : STAFF;
      return { mutation: 'cancelOrder', orderId, token: reason, commandId, user, input: { ...common, reason } };
    }
    if (order.status === 'PENDING') {
      const paymentId = `pay-${tag}`;
      const input = { ...common, paymentId, amount: order.total, method: 'card' };
      // Payments come from the payment provider (a staff token), never from the customer.
      return { mutation: 'receivePayment', orderId, token: paymentId, commandId, user: STAFF, input };
    }
    const trackingNumber = `trk-${tag}`;
    return { mutation: 'shipOrder', orderId, token: trackingNumber, commandId, user: STAFF, input: { ...common, trackingNumber, carrier: 'UPS' } };
  }
}

/**
 * Starts the server as a child process over one SQLite file, drives it from several concurrent
 * clients, kills it with -9 at a random moment, and again: the record of every answer stays here,
 * for `checkLog` and `compareReadModelsWithRebuild`.
 */
export class CrashLoop {
  readonly acks: Ack[] = [];
  /** Every command ever sent, by token. */
  readonly sent = new Map<string, SentCommand>();
  /** Blind re-sends (no commandId) refused because the first send had taken effect: checked against the log. */
  readonly refused: SentCommand[] = [];
  /** Answers no correct server gives (an error to a well-formed command, a wrong status), and error log lines. */
  readonly problems: string[] = [];
  readonly reports: CycleReport[] = [];
  cycles = 0;
  /**
   * What the customers order: CATALOG_SIZE products priced in USD and as many in EUR, at prices drawn
   * at random for this loop, added (by an admin) at the first start with stock no order runs out of, so
   * the order process reserves, releases and commits stock for every order but never cancels one.
   * Over a file that has them already (`bench/soak.ts --db`), their prices there.
   */
  catalog: readonly CatalogProduct[];
  private catalogAdded = false;
  private readonly clients: CrashClient[];
  private readonly servers: ChildServer[] = [];
  private readonly killAfterMs: [number, number];

  constructor(private readonly options: CrashLoopOptions) {
    this.clients = Array.from({ length: options.clients ?? 6 }, (_, index) => new CrashClient(index, this));
    this.killAfterMs = options.killAfterMs ?? [150, 600];
    this.catalog = (['USD', 'EUR'] as const).flatMap((currency) =>
      Array.from({ length: CATALOG_SIZE }, (_, index) => ({
        productId: currency === 'USD' ? `sku-${index}` : `sku-${index}-eur`,
        name: `Item sku-${index}`,
        unitPrice: (1 + Math.floor(Math.random() * 9_999) / 100).toFixed(2),
        currency,
      })),
    );
  }

  /** The catalog's `index`th product in `currency`. */
  catalogProduct(index: number, currency: 'USD' | 'EUR'): CatalogProduct {
    return this.catalog.find((product) => product.currency === currency && product.productId === (currency === 'USD' ? `sku-${index}` : `sku-${index}-eur`))!;
  }

  get customerIds(): string[] {
    return this.clients.map((client) => client.customer.customerId!);
  }

  /** Starts the server, waits until it has caught up, and measures both. */
  async start(): Promise<{ server: ChildServer; listeningMs: number; caughtUpMs: number }> {
    const spawnedAt = performance.now();
    const server = await spawnServer(this.options.databaseFile, this.options.env);
    const listeningMs = performance.now() - spawnedAt;
    this.servers.push(server);
    await caughtUp(server.url);
    const caughtUpMs = performance.now() - spawnedAt;
    if (!this.catalogAdded) {
      this.catalog = await addCatalog(server.url, this.catalog);
      this.catalogAdded = true;
    }
    return { server, listeningMs, caughtUpMs };
  }

  /** One cycle: start, write from every client (re-sending what the last kill cut off first), kill -9. */
  async cycle(): Promise<CycleReport> {
    this.cycles++;
    const { server, listeningMs, caughtUpMs } = await this.start();
    const counts = { acknowledged: 0, unanswered: 0, retriesAnswered: 0 };
    let killed = false;
    const writing = this.clients.map((client) => client.run(server.url, () => killed, counts));
    const [min, max] = this.killAfterMs;
    const killedAfterMs = Math.round(min + Math.random() * (max - min));
    await sleep(killedAfterMs);
    killed = true;
    await killHard(server);
    await Promise.all(writing);
    const report = { cycle: this.cycles, listeningMs, caughtUpMs, killedAfterMs, ...counts };
    this.reports.push(report);
    return report;
  }

  /**
   * The last start: re-sends every command the last kill cut off, then waits until every read model
   * and process is at the head. The server is left running for the checks; kill it after.
   */
  async finish(): Promise<{ server: ChildServer; listeningMs: number; caughtUpMs: number }> {
    const started = await this.start();
    const counts = { acknowledged: 0, unanswered: 0, retriesAnswered: 0 };
    await Promise.all(this.clients.map((client) => client.resend(started.server.url, counts)));
    if (counts.unanswered > 0) this.problems.push(`${counts.unanswered} re-sent commands got no answer from the final server`);
    await caughtUp(started.server.url, { stable: true });
    return started;
  }

  /** Error and fatal lines the servers logged (an internal error, a read model stopping) and any SQLITE_BUSY. */
  serverErrors(): string[] {
    return this.servers.flatMap((server) => server.errorLines().map((line) => line.slice(0, 500)));
  }

  /** What the clients still have no answer for (the last kill's, if `finish` did not run). */
  get unanswered(): SentCommand[] {
    return this.clients.flatMap((client) => (client.pending ? [client.pending] : []));
  }
}

/**
 * Adds the products as an admin and returns the catalog as the server has it: a product already there
 * (a loop over a file it ran on before) is left as it is, at its price there.
 */
async function addCatalog(url: string, catalog: readonly CatalogProduct[]): Promise<CatalogProduct[]> {
  const added: CatalogProduct[] = [];
  for (const product of catalog) {
    const { productId, name, unitPrice, currency } = product;
    const answer = await post(url, AddProductDocument, { input: { productId, name, quantity: 1_000_000_000, unitPrice, currency } });
    if (answer.kind === 'unanswered') throw new Error(`No answer adding ${productId}: ${String(answer.error)}`);
    const code = answer.errors?.[0]?.extensions?.code;
    if (code === undefined) {
      added.push(product);
      continue;
    }
    if (code !== 'CONFLICT') throw new Error(`Adding ${productId} failed: ${JSON.stringify(answer.errors)}`);
    const { product: there } = await postData(url, GetProductDocument, { id: productId });
    if (there?.price?.currency !== currency) throw new Error(`Product ${productId} is there already, priced ${JSON.stringify(there?.price)}, not in ${currency}`);
    added.push({ ...product, unitPrice: there.price.amount });
  }
  return added;
}

/** An event as the checks read it: data and metadata as JSON text. */
export type LogRow = { position: number; event_id: string; stream_id: string; version: number; type: string; data: string; metadata: string };

/** The whole log of a SQLite file, read-only. */
export function sqliteLogRows(databaseFile: string): LogRow[] {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT position, event_id, stream_id, version, type, data, metadata FROM events ORDER BY position').all() as LogRow[];
  } finally {
    db.close();
  }
}

/** The whole log in PostgreSQL (the `events` table in `schema`). */
export async function postgresLogRows(connectionString: string, schema: string): Promise<LogRow[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<LogRow>(
      `SELECT position::float8 AS position, event_id, stream_id, version, type, data::text AS data, metadata::text AS metadata
       FROM ${client.escapeIdentifier(schema)}.events ORDER BY position`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

export type LogCheck = {
  events: number;
  orders: number;
  acknowledged: number;
  /** Acknowledged commands whose event is not in the log at the answered version. */
  lost: string[];
  /** Commands (or events) that appear more than once. */
  duplicates: string[];
  /** Gaps in versions, events no client sent, and the like. */
  problems: string[];
};

/**
 * Checks the log (a SQLite file's, or rows read with `postgresLogRows`) against the record: every
 * acknowledged command's event is at the version answered, nothing appears twice, versions are
 * contiguous, every event was sent.
 */
export function checkLog(log: string | readonly LogRow[], loop: Pick<CrashLoop, 'acks' | 'sent' | 'refused'>): LogCheck {
  const rows = typeof log === 'string' ? sqliteLogRows(log) : log;
  const lost: string[] = [];
  const duplicates: string[] = [];
  const problems: string[] = [];

  const eventIds = new Set<string>();
  const streams = new Map<string, LogRow[]>();
  const byToken = new Map<string, LogRow[]>();
  const byCommandId = new Map<string, LogRow[]>();
  // The log holds each client's commandId scoped to its sender.
  const storedKey = (command: SentCommand) => command.commandId && clientIdempotencyKey(subjectOf(command.user), command.commandId);
  const clientCommandIds = new Set([...loop.sent.values()].flatMap((command) => (command.commandId ? [storedKey(command)] : [])));
  for (const row of rows) {
    if (eventIds.has(row.event_id)) duplicates.push(`event id ${row.event_id} twice`);
    eventIds.add(row.event_id);
    streams.set(row.stream_id, [...(streams.get(row.stream_id) ?? []), row]);
    if (!row.stream_id.startsWith('order-')) continue;
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const token = String(data[TOKEN_FIELD[row.type]!]);
    byToken.set(token, [...(byToken.get(token) ?? []), row]);
    const { commandId } = JSON.parse(row.metadata) as { commandId: string };
    if (clientCommandIds.has(commandId)) byCommandId.set(commandId, [...(byCommandId.get(commandId) ?? []), row]);
    const command = loop.sent.get(token);
    if (!command || EVENT_OF[command.mutation] !== row.type || `order-${command.orderId}` !== row.stream_id) {
      problems.push(`${row.type} at ${row.stream_id} v${row.version} matches no command a client sent (token ${token})`);
    } else if (command.commandId && storedKey(command) !== commandId) {
      problems.push(`${row.type} at ${row.stream_id} v${row.version} carries commandId ${commandId}, the client sent ${command.commandId}`);
    }
  }

  for (const [streamId, events] of streams) {
    const versions = events.map((event) => event.version);
    if (versions.some((version, index) => version !== index + 1)) problems.push(`${streamId}: versions ${versions.join(',')} are not 1..${versions.length} in position order`);
    if (!streamId.startsWith('order-')) continue;
    const types = events.map((event) => event.type);
    for (const type of new Set(types)) {
      if (types.filter((t) => t === type).length > 1) duplicates.push(`${streamId}: ${type} ${types.filter((t) => t === type).length} times`);
    }
    if (types[0] !== 'OrderPlaced') problems.push(`${streamId} starts with ${types[0]}`);
  }
  for (const [token, events] of byToken) if (events.length > 1) duplicates.push(`command ${token} took effect ${events.length} times`);
  for (const [commandId, events] of byCommandId) if (events.length > 1) duplicates.push(`commandId ${commandId} on ${events.length} events`);

  for (const { command, version } of loop.acks) {
    const event = streams.get(`order-${command.orderId}`)?.find((candidate) => candidate.version === version);
    const token = event && String((JSON.parse(event.data) as Record<string, unknown>)[TOKEN_FIELD[event.type]!]);
    if (!event || event.type !== EVENT_OF[command.mutation] || token !== command.token) {
      lost.push(`${command.mutation} ${command.token} answered with version ${version}; the log has ${event ? `${event.type} (${token})` : 'nothing'} there`);
    }
  }
  for (const command of loop.refused) {
    if (!byToken.has(command.token)) problems.push(`The re-sent ${command.mutation} ${command.token} was refused, yet its first send is not in the log`);
  }
  return {
    events: rows.length,
    orders: [...streams.keys()].filter((id) => id.startsWith('order-')).length,
    acknowledged: loop.acks.length,
    lost,
    duplicates,
    problems,
  };
}

/** The read side as clients see it: every order (listed and one by one), customer, the dashboard, products. */
async function readModelAnswers(url: string, customerIds: readonly string[]): Promise<Map<string, unknown>> {
  const answers = new Map<string, unknown>();
  const ids: string[] = [];
  let after: string | null | undefined;
  for (let page = 0; ; page++) {
    const { orders } = await postData(url, ListOrdersDocument, { first: 100, after });
    answers.set(`orders page ${page}`, orders);
    ids.push(...orders.edges.map((edge) => edge.node.id));
    if (!orders.pageInfo.hasNextPage) break;
    after = orders.pageInfo.endCursor;
  }
  for (const id of ids) answers.set(`order ${id}`, (await postData(url, GetOrderDocument, { id })).order);
  for (const id of customerIds) {
    for (const currency of ['USD', 'EUR']) answers.set(`customer ${id} ${currency}`, (await postData(url, CustomerSummaryDocument, { id, currency })).customer);
  }
  for (const currency of ['USD', 'EUR']) answers.set(`dashboard ${currency}`, (await postData(url, DashboardDocument, { currency })).dashboard);
  answers.set('products', (await postData(url, ListProductsDocument, { first: 100 })).products);
  return answers;
}

/** Every row of every read model's live tables in PostgreSQL (through the logical views in `schema`), sorted. */
export async function postgresReadTables(connectionString: string, schema: string): Promise<Map<string, unknown>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const tables = new Map<string, unknown>();
    for (const definition of postgresProjectionDefinitions()) {
      for (const table of Object.keys(definition.tables)) {
        const { rows } = await client.query(`SELECT * FROM ${client.escapeIdentifier(schema)}.${table}`);
        tables.set(`table ${table}`, rows.map((row) => JSON.stringify(row)).sort());
      }
    }
    return tables;
  } finally {
    await client.end();
  }
}

/** Every row of every read model's live tables (through their logical views), sorted. */
function readTables(databaseFile: string): Map<string, unknown> {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const tables = new Map<string, unknown>();
    for (const definition of projectionDefinitions()) {
      for (const table of Object.keys(definition.tables)) {
        tables.set(`table ${table}`, db.prepare(`SELECT * FROM ${table}`).all().map((row) => JSON.stringify(row)).sort());
      }
    }
    return tables;
  } finally {
    db.close();
  }
}

/** Each order's status and version folded from the log, to hold the read side against. */
function ordersInLog(rows: readonly LogRow[]): Map<string, { status: Status; version: number }> {
  const orders = new Map<string, { status: Status; version: number }>();
  const statusOf: Record<string, Status> = { OrderPlaced: 'PENDING', PaymentReceived: 'PAID', OrderShipped: 'SHIPPED', OrderCancelled: 'CANCELLED' };
  for (const row of rows) {
    if (row.stream_id.startsWith('order-')) orders.set(row.stream_id.slice('order-'.length), { status: statusOf[row.type]!, version: row.version });
  }
  return orders;
}

function differences(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].flatMap((key) => {
    const [a = 'nothing', b = 'nothing'] = [JSON.stringify(before.get(key)), JSON.stringify(after.get(key))];
    if (a === b) return [];
    // Around the first character that differs.
    let at = 0;
    while (a[at] === b[at]) at++;
    const excerpt = (text: string) => `${at > 80 ? '…' : ''}${text.slice(Math.max(0, at - 80), at + 160)}`;
    return [`${key}: live ${excerpt(a)} ≠ rebuilt ${excerpt(b)}`];
  });
}

/**
 * Compares the running server's read side with a rebuild of every read model from the log (the
 * `rebuildProjection` mutation, which swaps fresh tables in): the GraphQL answers and the tables
 * must be equal, and each order's status and version must be the log's. Returns the differences.
 * Nothing may write meanwhile. `databaseFile` holds the read tables and the log, unless `logRows`
 * and `liveTables` (read from PostgreSQL) are given.
 */
export async function compareReadModelsWithRebuild(
  url: string,
  databaseFile: string,
  customerIds: readonly string[],
  logRows: readonly LogRow[] = sqliteLogRows(databaseFile),
  liveTables: () => Promise<Map<string, unknown>> = async () => readTables(databaseFile),
): Promise<string[]> {
  const found: string[] = [];
  const live = await readModelAnswers(url, customerIds);
  for (const [orderId, inLog] of ordersInLog(logRows)) {
    const shown = live.get(`order ${orderId}`) as { status: Status; version: number } | undefined;
    if (shown?.status !== inLog.status || shown.version !== inLog.version) {
      found.push(`order ${orderId}: the log has ${inLog.status} v${inLog.version}, the read side ${shown ? `${shown.status} v${shown.version}` : 'nothing'}`);
    }
  }
  const tablesBefore = await liveTables();
  for (const { name } of projectionDefinitions()) {
    const answer = await post(url, RebuildProjectionDocument, { name });
    if (answer.kind === 'unanswered' || answer.errors?.length) found.push(`rebuildProjection(${name}) failed: ${JSON.stringify(answer)}`);
  }
  await caughtUp(url, { stable: true });
  found.push(...differences(live, await readModelAnswers(url, customerIds)));
  found.push(...differences(tablesBefore, await liveTables()));
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** min / median / max of a list of durations, rounded to ms. */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (index: number) => Math.round(sorted[index] ?? 0);
  return { min: at(0), median: at(Math.floor((sorted.length - 1) / 2)), max: at(sorted.length - 1) };
}
