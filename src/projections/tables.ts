/** A column of a read-model table: SQLite's INTEGER is 64-bit, so PostgreSQL's BIGINT. */
export type Column = {
  type: 'text' | 'integer';
  nullable?: boolean;
  unique?: boolean;
  /** A CHECK on this column, in SQL both databases read. */
  check?: string;
  /** Computed by the database from other columns (never written); SQL both databases read. */
  generated?: string;
};

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
    if (column.check) parts.push(`CHECK (${column.check})`);
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
