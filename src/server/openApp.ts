import type Database from 'better-sqlite3';
import { eventSchemas } from '../application/eventSchemas.js';
import type { EventStore } from '../eventstore/eventStore.js';
import type { PostgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { openDatabase } from '../eventstore/sqlite/openDatabase.js';
import type { SqliteEventStore } from '../eventstore/sqlite/sqliteEventStore.js';
import { RecentLogWindow } from '../eventstore/recentLogWindow.js';
import { RecentSnapshots } from '../eventstore/recentSnapshots.js';
import type { SnapshotStore } from '../eventstore/snapshotStore.js';
import { SqliteSnapshotStore } from '../eventstore/sqlite/sqliteSnapshotStore.js';
import { UpcastingEventStore } from '../eventstore/upcasting/upcastingEventStore.js';
import { fallbackLogger, type Logger } from '../logging/logger.js';
import { ChangeFeeds } from '../subscriptions/changeFeeds.js';
import { Keyring } from '../privacy/keyring.js';
import { developmentMasterKey } from '../privacy/masterKey.js';
import { PostgresKeyStore } from '../privacy/postgresKeyStore.js';
import { SqliteKeyStore } from '../privacy/sqliteKeyStore.js';
import type { ServerConfig } from './config.js';
import { openEventLog } from './eventLog.js';
import { postgresReadSide, type ReadSide, sqliteReadSide } from './readSide.js';

/** What the server and every command that touches the log start from, opened in one place. */
export type App = {
  /** This instance's SQLite file: the log and read models, or with PostgreSQL its snapshots and checkpoints. */
  db: Database.Database;
  /** The log as stored (SQLite or PostgreSQL). */
  log: SqliteEventStore | PostgresEventStore;
  /** The log as every reader sees it: events in their current shape. */
  store: EventStore;
  /** Aggregate snapshots, every `snapshotEvery` events, in `db`; the latest of busy streams also in memory. */
  snapshotsOf(stateSchemaVersion: number): { store: SnapshotStore; every?: number; stateSchemaVersion: number };
  /**
   * Customers' data keys, beside the log (SQLite file or PostgreSQL), opened with the master key on
   * first use: MasterKeyMismatchError when it is not the key they were wrapped with.
   */
  keyring(): Promise<Keyring>;
  /** Starts the read models where the log is (SQLite file or PostgreSQL); announced changes go to `feeds`. */
  openReadSide(feeds?: ChangeFeeds): Promise<ReadSide>;
  /** Closes the read side if opened, the log and the file. */
  close(): Promise<void>;
};

/**
 * The one composition root: opens the SQLite file, the log (in it, or in PostgreSQL with
 * `config.postgres`), upcasting, snapshots and the read side. `orderstream serve`, `seed` and
 * `rebuild` all start here.
 */
export async function openApp(
  config: Pick<ServerConfig, 'databaseFile'> & Partial<Pick<ServerConfig, 'synchronous' | 'postgres' | 'snapshotEvery' | 'masterKey'>>,
  logger?: Logger,
): Promise<App> {
  const db = openDatabase(config.databaseFile, { synchronous: config.synchronous });
  let log: SqliteEventStore | PostgresEventStore;
  try {
    log = await openEventLog(config, db, logger);
  } catch (error) {
    db.close();
    throw error;
  }
  const upcasting = new UpcastingEventStore(log, eventSchemas);
  // On PostgreSQL each read of the log is a statement: its consumers here share one reader of its head.
  const store = config.postgres ? new RecentLogWindow(upcasting) : upcasting;
  const snapshotStore = new RecentSnapshots(new SqliteSnapshotStore(db));
  let readSide: ReadSide | undefined;
  let keyring: Promise<Keyring> | undefined;
  return {
    db,
    log,
    store,
    snapshotsOf: (stateSchemaVersion) => ({ store: snapshotStore, every: config.snapshotEvery, stateSchemaVersion }),
    keyring() {
      keyring ??= Keyring.open(
        'pool' in log ? new PostgresKeyStore(log.pool) : new SqliteKeyStore(db),
        config.masterKey ?? developmentKey(config.databaseFile, logger),
        (customerId, reason) =>
          (logger ?? fallbackLogger()).error({ customerId }, `Personal data of customer ${customerId} cannot be read: ${reason}`),
      );
      return keyring;
    },
    async openReadSide(feeds = new ChangeFeeds()) {
      // A command's progress is on stderr: only warnings and errors are logged there.
      const readSideLogger = logger ?? fallbackLogger().child({}, { level: 'warn' });
      readSide = config.postgres
        ? await postgresReadSide(config.postgres, store, feeds, readSideLogger)
        : await sqliteReadSide(db, store, feeds, readSideLogger);
      return readSide;
    },
    async close() {
      await readSide?.close();
      await store.close();
      // With PostgreSQL the store was its pool; the SQLite file closes here.
      if (db.open) db.close();
    },
  };
}

/** Without ORDERSTREAM_MASTER_KEY (never in production: readConfig refuses), the development key beside the file, said so. */
function developmentKey(databaseFile: string, logger: Logger | undefined): Buffer {
  const { key, file, created } = developmentMasterKey(databaseFile);
  (logger ?? fallbackLogger()).warn(
    { file },
    `${created ? 'Made a development master key' : 'Using the development master key'} in ${file}: ` +
      "set ORDERSTREAM_MASTER_KEY in production (customers' personal data cannot be read without the key)",
  );
  return key;
}
