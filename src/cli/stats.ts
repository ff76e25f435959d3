import { existsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabaseReadOnly } from '../eventstore/sqlite/openDatabase.js';
import { ORDER_FULFILMENT } from '../processes/orderFulfilment.js';
import { projectionDefinitions } from '../projections/definitions.js';

/**
 * Where a read model or process stands, read from its checkpoint alone (no engine runs):
 * `caught up` (at the head), `behind`, `not built` (no tables yet: built at the next start),
 * `rebuild at start` (its version in the code differs from the stored one), `rebuilding` (a fresh
 * generation is being filled, or was left by an interrupted rebuild). A stop at an event is known
 * to the running server only: its `projections` query shows it.
 */
export type CheckpointState = 'caught up' | 'behind' | 'not built' | 'rebuild at start' | 'rebuilding';

export type LogStats = {
  databaseFile: string;
  sizes: { databaseBytes: number; walBytes: number; shmBytes: number; pageSize: number; pageCount: number; freePages: number };
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
  const sizes = { databaseBytes: fileSize(databaseFile), walBytes: fileSize(`${databaseFile}-wal`), shmBytes: fileSize(`${databaseFile}-shm`) };
  const db = openDatabaseReadOnly(databaseFile);
  try {
    if (!hasTable(db, 'events')) throw new Error(`${databaseFile} is not an orderstream event log: it has no events table`);
    const scalar = <T>(sql: string) => db.prepare(sql).pluck().get() as T;
    const headPosition = scalar<number | null>('SELECT max(position) FROM events') ?? 0;
    const occurredAt = (order: 'ASC' | 'DESC') =>
      scalar<string | null>(`SELECT json_extract(metadata, '$.occurredAt') FROM events ORDER BY position ${order} LIMIT 1`) ?? null;

    const streamRows = db
      .prepare<[], { streamType: string; streams: number; events: number }>(
        'SELECT stream_type AS streamType, count(DISTINCT stream_id) AS streams, count(*) AS events FROM events GROUP BY stream_type ORDER BY stream_type',
      )
      .all();
    const typeRows = db.prepare<[], { type: string; events: number }>('SELECT type, count(*) AS events FROM events GROUP BY type ORDER BY type').all();

    return {
      databaseFile,
      sizes: {
        ...sizes,
        pageSize: Number(db.pragma('page_size', { simple: true })),
        pageCount: Number(db.pragma('page_count', { simple: true })),
        freePages: Number(db.pragma('freelist_count', { simple: true })),
      },
      events: {
        count: streamRows.reduce((sum, row) => sum + row.events, 0),
        headPosition,
        firstAt: occurredAt('ASC'),
        lastAt: occurredAt('DESC'),
        byType: Object.fromEntries(typeRows.map((row) => [row.type, row.events])),
      },
      streams: {
        count: streamRows.reduce((sum, row) => sum + row.streams, 0),
        byType: Object.fromEntries(streamRows.map(({ streamType, streams, events }) => [streamType, { streams, events }])),
      },
      snapshots: hasTable(db, 'snapshots') ? scalar<number>('SELECT count(*) FROM snapshots') : 0,
      projections: projectionStats(db, headPosition),
      processes: processStats(db, headPosition),
    };
  } finally {
    db.close();
  }
}

function projectionStats(db: Database.Database, headPosition: number): LogStats['projections'] {
  type Row = { name: string; generation: number; version: number; position: number; live: number };
  const rows = hasTable(db, 'projection_generations')
    ? db.prepare<[], Row>('SELECT name, generation, version, position, live FROM projection_generations ORDER BY generation').all()
    : [];
  return projectionDefinitions().map(({ name, version }) => {
    const live = rows.find((row) => row.name === name && row.live === 1);
    const rebuild = rows.filter((row) => row.name === name && row.live === 0).at(-1);
    const position = live?.position ?? 0;
    const state: CheckpointState = !live
      ? 'not built'
      : live.version !== version
        ? 'rebuild at start'
        : rebuild
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

/** Every process with a checkpoint, and orderFulfilment (which every server runs) even without one. */
function processStats(db: Database.Database, headPosition: number): LogStats['processes'] {
  const checkpoints = new Map(
    hasTable(db, 'process_checkpoints')
      ? db.prepare<[], { name: string; position: number }>('SELECT name, position FROM process_checkpoints ORDER BY name').all().map((row) => [row.name, row.position])
      : [],
  );
  if (!checkpoints.has(ORDER_FULFILMENT)) checkpoints.set(ORDER_FULFILMENT, 0);
  return [...checkpoints].map(([name, position]) => ({
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
  const list = (entries: [string, string][]) => (entries.length === 0 ? 'none' : entries.map(([name, value]) => `${name} ${value}`).join(', '));
  const lines = [
    `Event log ${stats.databaseFile}`,
    `  size         ${bytes(sizes.databaseBytes)} (WAL ${bytes(sizes.walBytes)}, shared memory ${bytes(sizes.shmBytes)}); ` +
      `${n(sizes.pageCount)} pages of ${bytes(sizes.pageSize)}, ${n(sizes.freePages)} free`,
    `  events       ${n(events.count)}, head position ${n(events.headPosition)}` +
      (events.firstAt ? `, from ${events.firstAt} to ${events.lastAt}` : ''),
    `  streams      ${n(streams.count)}: ${list(Object.entries(streams.byType).map(([type, row]) => [type, `${n(row.streams)} (${n(row.events)} events)`]))}`,
    `  event types  ${list(Object.entries(events.byType).map(([type, count]) => [type, n(count)]))}`,
    `  snapshots    ${n(stats.snapshots)}`,
    '',
    'Read models and processes (from their checkpoints; failures show in the running server\'s `projections` query)',
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

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) !== undefined;
}
