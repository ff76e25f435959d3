import type { StoredEvent } from '../../eventstore/eventStore.js';
import { BatchPlan } from '../batchPlan.js';
import { type AnyReadModel, type DocumentRows, groupDocuments, type Row } from '../readModel.js';
import { onConflictClause, type TableDeclaration, writtenColumns } from '../tables.js';
import type { Statements } from './bundledStatements.js';

/**
 * Writes batches of events into one generation of a read model's PostgreSQL tables (logical name →
 * physical name in `tables`), on the leader's connection inside the engine's transaction: the
 * batch's documents loaded in one statement per table, worked out in memory (BatchPlan, as on
 * SQLite), and every changed row of a table written in one statement. The statements of a step
 * are issued together, so bundled statements (BundledStatements) send them in one round trip. The
 * connection must read int8 as numbers (readSideTypes). Returns the changes to announce with their
 * positions, from the values written.
 */
export class PostgresReadModelWriter<Change = unknown> {
  constructor(
    private readonly model: AnyReadModel,
    private readonly tables: Record<string, string>,
    private readonly announce: boolean,
  ) {}

  async apply(db: Statements, events: readonly StoredEvent[]): Promise<{ position: number; change: Change }[]> {
    const plan = new BatchPlan<Change>(this.model, events, this.announce);
    const keys = plan.documentKeys();
    if (keys.length === 0) return [];
    plan.evolve(await this.loadDocuments(db, keys));
    const aggregateKeys = [...plan.aggregateKeys()];
    const loaded = await Promise.all(aggregateKeys.map(([table, rowKeys]) => this.loadRows(db, table, rowKeys)));
    const aggregates = new Map(aggregateKeys.map(([table], index) => [table, loaded[index]!]));
    await Promise.all([
      ...[...plan.writes(aggregates)].map(([table, rows]) => this.upsert(db, table, rows)),
      ...[...plan.recorded].map(([table, rows]) => this.upsert(db, table, rows, 'DO NOTHING')),
    ]);
    return plan.announced;
  }

  private async loadDocuments(db: Statements, keys: string[]): Promise<Map<string, DocumentRows>> {
    const { tables, key } = this.model.documents;
    const rows = await Promise.all(
      tables.map(async (table) => {
        const orderBy = this.model.tables[table]!.primaryKey.join(', ');
        const sql = `SELECT * FROM ${this.tables[table]} WHERE ${key} = ANY($1::text[]) ORDER BY ${orderBy}`;
        return (await db.query<Row>(sql, [keys])).rows;
      }),
    );
    return groupDocuments(this.model, rows);
  }

  private async loadRows(db: Statements, table: string, keys: Row[]): Promise<Row[]> {
    const declaration = this.model.tables[table]!;
    const { primaryKey } = declaration;
    const { rows } = await db.query<Row>(
      `SELECT * FROM ${this.tables[table]} WHERE (${primaryKey.join(', ')}) IN (SELECT * FROM unnest(${arrays(declaration, primaryKey)}))`,
      primaryKey.map((column) => keys.map((key) => key[column])),
    );
    return rows;
  }

  /** Every row in one statement: one array parameter per column, unnested into rows. */
  private async upsert(db: Statements, table: string, rows: Row[], onConflict?: 'DO NOTHING'): Promise<void> {
    const declaration = this.model.tables[table]!;
    const columns = writtenColumns(declaration);
    await db.query(
      `INSERT INTO ${this.tables[table]} (${columns.join(', ')}) SELECT * FROM unnest(${arrays(declaration, columns)})
       ${onConflictClause(declaration, onConflict)}`,
      columns.map((column) => rows.map((row) => row[column] ?? null)),
    );
  }
}

/** `$1::text[], $2::bigint[], …`: one typed array parameter per column. */
function arrays(table: TableDeclaration, columns: readonly string[]): string {
  return columns.map((column, index) => `$${index + 1}::${table.columns[column]!.type === 'integer' ? 'bigint' : 'text'}[]`).join(', ');
}
