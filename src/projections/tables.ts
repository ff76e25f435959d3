/** A column of a read-model table: SQLite's INTEGER is 64-bit, so PostgreSQL's BIGINT. */
export type Column = {
  type: 'text' | 'integer';
  nullable?: boolean;
  unique?: boolean;
  /** Computed by the database from other columns (never written); SQL both databases read. */
  generated?: string;
};

/**
 * A table declared in short: `columns` as `name type` pairs, `?` after the type for a nullable
 * column, `unique` after it for a unique one (`order_id text, refund_minor integer?, placed_position
 * integer unique`), and `generated` the SQL of each column the database computes.
 */
export function table(columns: string, rest: Omit<TableDeclaration, 'columns'> & { generated?: Record<string, string> }): TableDeclaration {
  const { generated, ...declaration } = rest;
  const parsed = columns.split(',').map((part): [string, Column] => {
    const [name, type, ...flags] = part.trim().split(/\s+/);
    const base = type?.replace(/\?$/, '');
    if (!name || (base !== 'text' && base !== 'integer'))
      throw new Error(`Column "${part.trim()}": expected "name text" or "name integer"`);
    return [name, { type: base, nullable: type!.endsWith('?'), unique: flags.includes('unique'), generated: generated?.[name] }];
  });
  return { ...declaration, columns: Object.fromEntries(parsed) };
}

/** A read-model table, declared once: both databases' DDL is generated from it. */
export type TableDeclaration = {
  columns: Record<string, Column>;
  primaryKey: readonly string[];
  /** Secondary indexes, by name suffix; built after a first build or rebuild has caught up. */
  indexes?: Record<string, readonly string[]>;
  /** Table-level CHECKs, in SQL both databases read. */
  checks?: readonly string[];
};

export type Dialect = 'sqlite' | 'postgres';

/**
 * CREATE TABLE for `physicalName`. TEXT compares byte by byte in SQLite; COLLATE "C" makes
 * PostgreSQL do the same whatever the database's locale, so orderings and min/max agree.
 */
export function createTableSql(dialect: Dialect, physicalName: string, table: TableDeclaration): string {
  const columns = Object.entries(table.columns).map(([name, column]) => {
    const type =
      column.type === 'integer' ? (dialect === 'sqlite' ? 'INTEGER' : 'BIGINT') : dialect === 'sqlite' ? 'TEXT' : 'TEXT COLLATE "C"';
    const parts = [name, type];
    if (!column.nullable) parts.push('NOT NULL');
    if (column.unique) parts.push('UNIQUE');
    if (column.generated) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
    return parts.join(' ');
  });
  const constraints = [`PRIMARY KEY (${table.primaryKey.join(', ')})`, ...(table.checks ?? []).map((check) => `CHECK (${check})`)];
  return `CREATE TABLE ${physicalName} (\n  ${[...columns, ...constraints].join(',\n  ')}\n)${dialect === 'sqlite' ? ' STRICT' : ''}`;
}

/** CREATE INDEX for each of the table's secondary indexes. */
export function createIndexSql(physicalName: string, table: TableDeclaration): string[] {
  return Object.entries(table.indexes ?? {}).map(
    ([suffix, columns]) => `CREATE INDEX IF NOT EXISTS ${physicalName}_${suffix} ON ${physicalName} (${columns.join(', ')})`,
  );
}

const written = new WeakMap<TableDeclaration, string[]>();

/** The columns a writer writes: all but the generated ones. */
export function writtenColumns(table: TableDeclaration): string[] {
  let columns = written.get(table);
  if (!columns) {
    columns = Object.entries(table.columns)
      .filter(([, column]) => !column.generated)
      .map(([name]) => name);
    written.set(table, columns);
  }
  return columns;
}

/** What an INSERT of whole rows does on a key that is there already: replaces the row, unless told `DO NOTHING`. */
export function onConflictClause(table: TableDeclaration, onConflict?: 'DO NOTHING'): string {
  const updated = writtenColumns(table).filter((column) => !table.primaryKey.includes(column));
  const action =
    onConflict ?? (updated.length ? `DO UPDATE SET ${updated.map((column) => `${column} = excluded.${column}`).join(', ')}` : 'DO NOTHING');
  return `ON CONFLICT (${table.primaryKey.join(', ')}) ${action}`;
}
