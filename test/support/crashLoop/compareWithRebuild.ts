import Database from 'better-sqlite3';
import pg from 'pg';
import { readModels } from '../../../src/projections/definitions.js';
import {
  CustomerSummaryDocument,
  DashboardDocument,
  GetOrderDocument,
  ListOrdersDocument,
  ListProductsDocument,
  RebuildProjectionDocument,
} from '../../generated/graphql.js';
import { caughtUp } from './caughtUp.js';
import { type LogRow, sqliteLogRows } from './logRows.js';
import { post, postData } from './post.js';
import type { Status } from './sentCommand.js';

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
      found.push(
        `order ${orderId}: the log has ${inLog.status} v${inLog.version}, the read side ${shown ? `${shown.status} v${shown.version}` : 'nothing'}`,
      );
    }
  }
  const tablesBefore = await liveTables();
  for (const { name } of readModels) {
    const answer = await post(url, RebuildProjectionDocument, { name });
    if (answer.kind === 'unanswered' || answer.errors?.length) found.push(`rebuildProjection(${name}) failed: ${JSON.stringify(answer)}`);
  }
  await caughtUp(url, { stable: true });
  found.push(...differences(live, await readModelAnswers(url, customerIds)));
  found.push(...differences(tablesBefore, await liveTables()));
  return found;
}

/** Every row of every read model's live tables in PostgreSQL (through the logical views in `schema`), sorted. */
export async function postgresReadTables(connectionString: string, schema: string): Promise<Map<string, unknown>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const tables = new Map<string, unknown>();
    for (const definition of readModels) {
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
    for (const currency of ['USD', 'EUR'])
      answers.set(`customer ${id} ${currency}`, (await postData(url, CustomerSummaryDocument, { id, currency })).customer);
  }
  for (const currency of ['USD', 'EUR'])
    answers.set(`dashboard ${currency}`, (await postData(url, DashboardDocument, { currency })).dashboard);
  answers.set('products', (await postData(url, ListProductsDocument, { first: 100 })).products);
  return answers;
}

/** Every row of every read model's live tables (through their logical views), sorted. */
function readTables(databaseFile: string): Map<string, unknown> {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const tables = new Map<string, unknown>();
    for (const definition of readModels) {
      for (const table of Object.keys(definition.tables)) {
        tables.set(
          `table ${table}`,
          db
            .prepare(`SELECT * FROM ${table}`)
            .all()
            .map((row) => JSON.stringify(row))
            .sort(),
        );
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
  const statusOf: Record<string, Status> = {
    OrderPlaced: 'PENDING',
    PaymentReceived: 'PAID',
    OrderShipped: 'SHIPPED',
    OrderCancelled: 'CANCELLED',
  };
  for (const row of rows) {
    if (row.stream_id.startsWith('order-'))
      orders.set(row.stream_id.slice('order-'.length), { status: statusOf[row.type]!, version: row.version });
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
