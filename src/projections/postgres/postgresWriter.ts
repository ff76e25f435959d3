import type pg from 'pg';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { BatchPlan } from '../batchPlan.js';
import { type AnyReadModel, type DocumentRows, groupDocuments, type Row } from '../readModel.js';
import { onConflictClause, type TableDeclaration, writtenColumns } from '../tables.js';

/**
 * Writes batches of events into one generation of a read model's PostgreSQL tables (logical name →
 * physical name in `tables`), on the leader's connection inside the engine's transaction: the
 * batch's documents loaded in one statement per table, worked out in memory (BatchPlan, as on
 * SQLite), and every changed row of a table written in one statement. The client must read int8 as
 * numbers (readSideTypes). Returns the changes to announce with their positions, from the values written.
 */
export class PostgresReadModelWriter<Change = unknown> {
  constructor(
    private readonly model: AnyReadModel,
    private readonly tables: Record<string, string>,
    private readonly announce: boolean,
  ) {}

  async apply(client: pg.ClientBase, events: readonly StoredEvent[]): Promise<{ position: number; change: Change }[]> {
    const plan = new BatchPlan<Change>(this.model, events, this.announce);
    const keys = plan.documentKeys();
    if (keys.length === 0) return [];
    plan.evolve(await this.loadDocuments(client, keys));
    const aggregates = new Map<string, Row[]>();
    for (const [table, rowKeys] of plan.aggregateKeys()) aggregates.set(table, await this.loadRows(client, table, rowKeys));
    for (const [table, rows] of plan.writes(aggregates)) await this.upsert(client, table, rows);
    for (const [table, rows] of plan.recorded) await this.upsert(client, table, rows, 'DO NOTHING');
    return plan.announced;
  }

  private async loadDocuments(client: pg.ClientBase, keys: string[]): Promise<Map<string, DocumentRows>> {
    const { tables, key } = this.model.documents;
    const rows: Row[][] = [];
    for (const table of tables) {
      const orderBy = this.model.tables[table]!.primaryKey.join(', ');
      const sql = `SELECT * FROM ${this.tables[table]} WHERE ${key} = ANY($1::text[]) ORDER BY ${orderBy}`;
      rows.push((await client.query<Row>(sql, [keys])).rows);
    }
    return groupDocuments(this.model, rows);
  }

  private async loadRows(client: pg.ClientBase, table: string, keys: Row[]): Promise<Row[]> {
    const declaration = this.model.tables[table]!;
    const { primaryKey } = declaration;
    const { rows } = await client.query<Row>(
      `SELECT * FROM ${this.tables[table]} WHERE (${primaryKey.join(', ')}) IN (SELECT * FROM unnest(${arrays(declaration, primaryKey)}))`,
      primaryKey.map((column) => keys.map((key) => key[column])),
    );
    return rows;
  }

  /** Every row in one statement: one array parameter per column, unnested into rows. */
  private async upsert(client: pg.ClientBase, table: string, rows: Row[], onConflict?: 'DO NOTHING'): Promise<void> {
    const declaration = this.model.tables[table]!;
    const columns = writtenColumns(declaration);
    await client.query(
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
