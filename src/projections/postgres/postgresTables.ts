/**
 * A read model's tables as PostgreSQL creates them, from the SQLite definitions: the same columns,
 * keys, checks and indexes, so the two backends cannot drift apart. SQLite's INTEGER is 64-bit
 * (BIGINT); SQLite compares TEXT byte by byte, as COLLATE "C" makes PostgreSQL do whatever the
 * database's locale (orderings and LEAST/GREATEST then agree); STRICT is SQLite's alone.
 */
export function postgresTables<Tables extends Record<string, (physicalName: string) => string>>(sqliteTables: Tables): Tables {
  return Object.fromEntries(
    Object.entries(sqliteTables).map(([logical, ddl]) => [logical, (physicalName: string) => postgresDdl(ddl(physicalName))]),
  ) as Tables;
}

function postgresDdl(sqliteDdl: string): string {
  return sqliteDdl
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bTEXT\b/g, 'TEXT COLLATE "C"')
    .replace(/\)\s*STRICT;/g, ');');
}
