import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { BatchPlan } from '../batchPlan.js';
import { type AnyReadModel, type DocumentRows, groupDocuments, type Row, type Value } from '../readModel.js';
import { onConflictClause, writtenColumns } from '../tables.js';
import { RecentRows } from './recentRows.js';

/** Rows written per INSERT statement; the rest of a table's rows go in one statement each. */
const ROWS_PER_STATEMENT = 32;

/**
 * Writes batches of events into one generation of a read model's SQLite tables (logical name →
 * physical name in `tables`): loads the batch's documents in one statement per table, works the
 * batch out in memory (BatchPlan), and writes each changed row once, several per statement. Runs
 * inside the engine's transaction; returns the changes to announce, from the values written.
 *
 * The rows of the last batches stay in memory (RecentRows), so a document or figure touched again
 * soon is not read back. They are only as good as the tables: the runner calls `forget` when another
 * process has written them since (the checkpoint moved) and when a transaction rolls back.
 */
export class SqliteReadModelWriter<Change = unknown> {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly upsertTexts = new Map<string, string>();
  private readonly recentDocuments: RecentRows<DocumentRows>;
  private readonly recentRows = new Map<string, RecentRows<Row>>();

  constructor(
    private readonly db: Database.Database,
    private readonly model: AnyReadModel,
    private readonly tables: Record<string, string>,
    private readonly options: {
      announce: boolean;
      /** Created empty for this writer's runner, which feeds it from position 0 (a build or rebuild). */
      freshGeneration?: boolean;
      /** How many documents, and rows of each aggregate table, to keep in memory. */
      remember?: number;
    },
  ) {
    this.recentDocuments = new RecentRows(options.remember ?? 4000);
  }

  apply(events: readonly StoredEvent[]): Change[] {
    const { statements, changes } = this.prepare(events, true)!;
    for (const [sql, values] of statements) this.statement(sql, () => sql).run(values);
    return changes;
  }

  /**
   * The batch's writes as statements to run in one transaction, and its changes; undefined, having
   * changed nothing, when working it out needs rows read from the tables and `mayRead` is false (a
   * batch of the writer thread's still being written would not be in them yet).
   */
  prepare(events: readonly StoredEvent[], mayRead: boolean): { statements: [string, Value[]][]; changes: Change[] } | undefined {
    const plan = new BatchPlan<Change>(this.model, events, this.options.announce);
    const keys = plan.documentKeys();
    if (keys.length === 0) return { statements: [], changes: [] };
    // In a fresh generation nobody else wrote, the documents a batch creates are not there yet.
    const documents = this.documents(keys, this.trusted && this.options.freshGeneration ? plan.createdKeys() : new Set(), mayRead);
    if (!documents) return undefined;
    plan.evolve(documents);
    const aggregates = new Map<string, Row[]>();
    for (const [table, rowKeys] of plan.aggregateKeys()) {
      const rows = this.rows(plan, table, rowKeys, mayRead);
      if (!rows) return undefined;
      aggregates.set(table, rows);
    }
    const writes = plan.writes(aggregates);
    const statements = [...writes].flatMap(([table, rows]) => this.upserts(table, rows));
    for (const [table, rows] of plan.recorded) statements.push(...this.upserts(table, rows, 'DO NOTHING'));
    for (const key of keys) {
      const doc = plan.document(key);
      if (doc) this.recentDocuments.set(key, doc);
    }
    for (const table of aggregates.keys()) {
      const recent = this.recentOf(table);
      for (const row of writes.get(table) ?? []) recent.set(plan.rowKey(table, row), row);
    }
    return { statements, changes: plan.changes };
  }

  /**
   * Whether no other process has written the tables since this writer's last batch (the checkpoint
   * has not moved): only then are the rows kept in memory good, and, in a fresh generation, the
   * documents a batch creates known to be absent. The runner sets it at the start of each transaction.
   */
  trusted = false;

  /** Forgets the rows kept in memory: the tables may no longer hold them. */
  forget(): void {
    this.trusted = false;
    this.recentDocuments.clear();
    for (const recent of this.recentRows.values()) recent.clear();
  }

  private documents(keys: string[], created: Set<string>, mayRead: boolean): Map<string, DocumentRows> | undefined {
    const found = new Map<string, DocumentRows>();
    const missing: string[] = [];
    for (const key of keys) {
      const doc = this.recentDocuments.get(key);
      if (doc) found.set(key, doc);
      else if (!created.has(key)) missing.push(key);
    }
    if (missing.length > 0 && !mayRead) return undefined;
    if (missing.length > 0) for (const [key, doc] of this.loadDocuments(missing)) found.set(key, doc);
    return found;
  }

  private rows(plan: BatchPlan<Change>, table: string, keys: Row[], mayRead: boolean): Row[] | undefined {
    const recent = this.recentOf(table);
    const found: Row[] = [];
    const missing: Row[] = [];
    for (const key of keys) {
      const row = recent.get(plan.rowKey(table, key));
      if (row) found.push(row);
      else missing.push(key);
    }
    if (missing.length === 0) return found;
    return mayRead ? [...found, ...this.loadRows(table, missing)] : undefined;
  }

  private recentOf(table: string): RecentRows<Row> {
    let recent = this.recentRows.get(table);
    if (!recent) {
      // Figures are fewer and more often touched again than documents (a customer's, a product's): keep more.
      recent = new RecentRows(5 * (this.options.remember ?? 4000));
      this.recentRows.set(table, recent);
    }
    return recent;
  }

  private loadDocuments(keys: string[]): Map<string, DocumentRows> {
    const { tables, key } = this.model.documents;
    const json = JSON.stringify(keys);
    const rows = tables.map((table) => {
      const statement = this.statement(`load:${table}`, () => {
        const orderBy = this.model.tables[table]!.primaryKey.join(', ');
        return `SELECT * FROM ${this.tables[table]} WHERE ${key} IN (SELECT value FROM json_each(?)) ORDER BY ${orderBy}`;
      });
      return statement.all(json) as Row[];
    });
    return groupDocuments(this.model, rows);
  }

  private loadRows(table: string, keys: Row[]): Row[] {
    const primaryKey = this.model.tables[table]!.primaryKey;
    const statement = this.statement(`rows:${table}`, () => {
      const picked = primaryKey.map((_, index) => `value->>${index}`).join(', ');
      return `SELECT * FROM ${this.tables[table]} WHERE (${primaryKey.join(', ')}) IN (SELECT ${picked} FROM json_each(?))`;
    });
    return statement.all(JSON.stringify(keys.map((key) => primaryKey.map((column) => key[column])))) as Row[];
  }

  /** Statements inserting each row, or on a key that is there already, `onConflict` (by default: replacing it). */
  private upserts(table: string, rows: Row[], onConflict?: 'DO NOTHING'): [string, Value[]][] {
    const columns = writtenColumns(this.model.tables[table]!);
    const statements: [string, Value[]][] = [];
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const end = Math.min(start + ROWS_PER_STATEMENT, rows.length);
      // Plain loops into one array: this runs for every row a rebuild writes.
      const values: Value[] = new Array((end - start) * columns.length);
      let next = 0;
      for (let index = start; index < end; index++) {
        const row = rows[index]!;
        for (const column of columns) values[next++] = row[column] ?? null;
      }
      statements.push([this.upsertSql(table, end - start, onConflict), values]);
    }
    return statements;
  }

  private upsertSql(table: string, rowCount: number, onConflict?: 'DO NOTHING'): string {
    const name = `${table}:${rowCount}:${onConflict ?? ''}`;
    let sql = this.upsertTexts.get(name);
    if (sql === undefined) {
      const declaration = this.model.tables[table]!;
      const columns = writtenColumns(declaration);
      const row = `(${columns.map(() => '?').join(', ')})`;
      sql = `INSERT INTO ${this.tables[table]} (${columns.join(', ')}) VALUES ${Array(rowCount).fill(row).join(', ')}
             ${onConflictClause(declaration, onConflict)}`;
      this.upsertTexts.set(name, sql);
    }
    return sql;
  }

  private statement(name: string, sql: () => string): Database.Statement {
    let statement = this.statements.get(name);
    if (!statement) {
      statement = this.db.prepare(sql());
      this.statements.set(name, statement);
    }
    return statement;
  }
}
