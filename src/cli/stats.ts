import { existsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabaseReadOnly } from '../eventstore/sqlite/openDatabase.js';
import { ORDER_FULFILMENT } from '../processes/orderFulfilment.js';
import { PAYMENT_EXPIRY } from '../processes/paymentExpiry.js';
import { readModels } from '../projections/definitions.js';

/**
 * Where a read model or process stands, read from its checkpoint alone (no engine runs):
 * `caught up` (at the head), `behind`, `not built` (no tables yet: built at the next start),
 * `rebuild at start` (its version in the code differs from the stored one), `rebuilding` (a fresh
 * generation is being filled, or was left by an interrupted rebuild). A stop at an event is known
 * to the running server only: its `projections` query shows it.
 */
export type CheckpointState = 'caught up' | 'behind' | 'not built' | 'rebuild at start' | 'rebuilding';

export type LogStats = {
  /** Where the log is: the SQLite file, or PostgreSQL and its schema (DATABASE_URL). */
  log: string;
  /** The SQLite file: the whole store, or with DATABASE_URL the instance's own (snapshots, process checkpoints). */
  databaseFile: string;
  /** Of the SQLite file; zeros when there is none. */
  sizes: { databaseBytes: number; walBytes: number; shmBytes: number; pageSize: number; pageCount: number; freePages: number };
  /** With DATABASE_URL: the space the log's table and the read models' tables take there (with indexes). */
  postgresSizes?: { eventsBytes: number; readModelsBytes: number };
  events: {
    count: number;
    headPosition: number;
    /** occurredAt of the first and the last event; null when the log is empty. */
    firstAt: string | null;
    lastAt: string | null;
    byType: Record<string, number>;
  };
  streams: { count: number; byType: Record<string, { streams: number; events: number }> };
  snapshots: number;
  projections: {
    name: string;
    codeVersion: number;
    storedVersion: number | null;
    generation: number | null;
    position: number;
    lagEvents: number;
    state: CheckpointState;
    /** The checkpoint of a generation being rebuilt beside the live one. */
    rebuildPosition: number | null;
  }[];
  processes: { name: string; position: number; lagEvents: number; state: 'caught up' | 'behind' }[];
};

/** Streams and events by type, as both stores count them. */
export type LogRows = {
  headPosition: number;
  firstAt: string | null;
  lastAt: string | null;
  streams: { streamType: string; streams: number; events: number }[];
  types: { type: string; events: number }[];
};

/** A row of a store's read-model generations (projection_generations, or read_model_generations in PostgreSQL). */
export type GenerationRow = { name: string; generation: number; version: number; position: number; live: boolean; building: boolean };

/**
 * Reads the numbers of the log in `databaseFile` through a read-only connection, so it is safe
 * while a server runs on the file. Throws a message naming the file when there is none, or when it
 * is not an orderstream log.
 */
export function readLogStats(databaseFile: string): LogStats {
  if (databaseFile === ':memory:' || !existsSync(databaseFile)) {
    throw new Error(`There is no event log at ${databaseFile} (set ORDERSTREAM_DB)`);
  }
  // Before opening: a read-only connection leaves an empty -wal and a -shm behind when there were none.
  const files = fileSizes(databaseFile);
  const db = openDatabaseReadOnly(databaseFile);
  try {
    if (!hasTable(db, 'events')) throw new Error(`${databaseFile} is not an orderstream event log: it has no events table`);
    const scalar = <T>(sql: string) => db.prepare(sql).pluck().get() as T;
    const occurredAt = (order: 'ASC' | 'DESC') =>
      scalar<string | null>(`SELECT json_extract(metadata, '$.occurredAt') FROM events ORDER BY position ${order} LIMIT 1`) ?? null;
    const rows: LogRows = {
      headPosition: scalar<number | null>('SELECT max(position) FROM events') ?? 0,
      firstAt: occurredAt('ASC'),
      lastAt: occurredAt('DESC'),
      streams: db
        .prepare<[], LogRows['streams'][number]>(
          'SELECT stream_type AS streamType, count(DISTINCT stream_id) AS streams, count(*) AS events FROM events GROUP BY stream_type ORDER BY stream_type',
        )
        .all(),
      types: db.prepare<[], LogRows['types'][number]>('SELECT type, count(*) AS events FROM events GROUP BY type ORDER BY type').all(),
    };
    const generations = hasTable(db, 'projection_generations')
      ? db
          .prepare<[], Omit<GenerationRow, 'live' | 'building'> & { live: number }>(
            'SELECT name, generation, version, position, live FROM projection_generations ORDER BY generation',
          )
          .all()
          .map((row) => ({ ...row, live: row.live === 1, building: false }))
      : [];
    return {
      log: databaseFile,
      ...localFileStats(db, databaseFile, files, rows.headPosition),
      ...logFigures(rows),
      projections: projectionStates(generations, rows.headPosition),
    };
  } finally {
    db.close();
  }
}

/** The events and streams of LogStats, from the log's rows. */
export function logFigures(rows: LogRows): Pick<LogStats, 'events' | 'streams'> {
  return {
    events: {
      count: rows.streams.reduce((sum, row) => sum + row.events, 0),
      headPosition: rows.headPosition,
      firstAt: rows.firstAt,
      lastAt: rows.lastAt,
      byType: Object.fromEntries(rows.types.map((row) => [row.type, row.events])),
    },
    streams: {
      count: rows.streams.reduce((sum, row) => sum + row.streams, 0),
      byType: Object.fromEntries(rows.streams.map(({ streamType, streams, events }) => [streamType, { streams, events }])),
    },
  };
}

/**
 * What a server's SQLite file holds besides the log: its sizes, snapshots and process checkpoints.
 * `db` is undefined when there is no file (an instance on PostgreSQL that never started here).
 */
export function localFileStats(
  db: Database.Database | undefined,
  databaseFile: string,
  files: ReturnType<typeof fileSizes>,
  headPosition: number,
): Pick<LogStats, 'databaseFile' | 'sizes' | 'snapshots' | 'processes'> {
  const pragma = (name: string) => (db ? Number(db.pragma(name, { simple: true })) : 0);
  return {
    databaseFile,
    sizes: { ...files, pageSize: pragma('page_size'), pageCount: pragma('page_count'), freePages: pragma('freelist_count') },
    snapshots: db && hasTable(db, 'snapshots') ? (db.prepare('SELECT count(*) FROM snapshots').pluck().get() as number) : 0,
    processes: processStats(db, headPosition),
  };
}

/** Each read model of the code, where its live generation stands (see CheckpointState). */
export function projectionStates(rows: readonly GenerationRow[], headPosition: number): LogStats['projections'] {
  return readModels.map(({ name, version }) => {
    const live = rows.find((row) => row.name === name && row.live);
    const rebuild = rows.filter((row) => row.name === name && !row.live).at(-1);
    const position = live?.position ?? 0;
    const state: CheckpointState = !live
      ? 'not built'
      : live.version !== version
        ? 'rebuild at start'
        : rebuild || live.building
          ? 'rebuilding'
          : position >= headPosition
            ? 'caught up'
            : 'behind';
    return {
      name,
      codeVersion: version,
      storedVersion: live?.version ?? null,
      generation: live?.generation ?? null,
      position,
      lagEvents: Math.max(0, headPosition - position),
      state,
      rebuildPosition: rebuild?.position ?? null,
    };
  });
}

/** Every process with a checkpoint, and orderFulfilment and paymentExpiry (which every server runs) even without one; by name. */
function processStats(db: Database.Database | undefined, headPosition: number): LogStats['processes'] {
  const checkpoints = new Map(
    db && hasTable(db, 'process_checkpoints')
      ? db
          .prepare<[], { name: string; position: number }>('SELECT name, position FROM process_checkpoints ORDER BY name')
          .all()
          .map((row) => [row.name, row.position])
      : [],
  );
  for (const name of [ORDER_FULFILMENT, PAYMENT_EXPIRY]) if (!checkpoints.has(name)) checkpoints.set(name, 0);
  return [...checkpoints]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, position]) => ({
      name,
      position,
      lagEvents: Math.max(0, headPosition - position),
      state: position >= headPosition ? 'caught up' : 'behind',
    }));
}

/** The stats for people: aligned lines, thousands separated, sizes in KiB/MiB/GiB. */
export function formatLogStats(stats: LogStats): string {
  const { sizes, events, streams } = stats;
  const n = (value: number) => value.toLocaleString('en-US');
  const list = (entries: [string, string][]) =>
    entries.length === 0 ? 'none' : entries.map(([name, value]) => `${name} ${value}`).join(', ');
  const fileSize =
    `${bytes(sizes.databaseBytes)} (WAL ${bytes(sizes.walBytes)}, shared memory ${bytes(sizes.shmBytes)}); ` +
    `${n(sizes.pageCount)} pages of ${bytes(sizes.pageSize)}, ${n(sizes.freePages)} free`;
  const lines = [
    `Event log ${stats.log}`,
    ...(stats.postgresSizes
      ? [
          `  size         events ${bytes(stats.postgresSizes.eventsBytes)}, read models ${bytes(stats.postgresSizes.readModelsBytes)} (tables with their indexes)`,
          `  local file   ${stats.databaseFile}: ${sizes.databaseBytes === 0 ? 'none (an instance makes it when it starts)' : fileSize}`,
        ]
      : [`  size         ${fileSize}`]),
    `  events       ${n(events.count)}, head position ${n(events.headPosition)}` +
      (events.firstAt ? `, from ${events.firstAt} to ${events.lastAt}` : ''),
    `  streams      ${n(streams.count)}: ${list(Object.entries(streams.byType).map(([type, row]) => [type, `${n(row.streams)} (${n(row.events)} events)`]))}`,
    `  event types  ${list(Object.entries(events.byType).map(([type, count]) => [type, n(count)]))}`,
    `  snapshots    ${n(stats.snapshots)}`,
    '',
    "Read models and processes (from their checkpoints; failures show in the running server's `projections` query)",
    ...table(
      ['name', 'version', 'position', 'lag', 'state'],
      [
        ...stats.projections.map((p) => [
          p.name,
          p.storedVersion === null || p.storedVersion === p.codeVersion ? String(p.codeVersion) : `${p.storedVersion} → ${p.codeVersion}`,
          n(p.position),
          n(p.lagEvents),
          p.rebuildPosition === null ? p.state : `${p.state} (at ${n(p.rebuildPosition)})`,
        ]),
        ...stats.processes.map((p) => [p.name, '', n(p.position), n(p.lagEvents), p.state]),
      ],
    ),
  ];
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function fileSize(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** The SQLite file's size and its WAL's and shared memory's; zeros for those that do not exist. */
export function fileSizes(databaseFile: string) {
  return { databaseBytes: fileSize(databaseFile), walBytes: fileSize(`${databaseFile}-wal`), shmBytes: fileSize(`${databaseFile}-shm`) };
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) !== undefined;
}
