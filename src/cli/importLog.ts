import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { StoredEvent } from '../eventstore/eventStore.js';
import { importEvents } from '../eventstore/import/importEvents.js';
import type { ImportTarget } from '../eventstore/import/importTarget.js';
import { createPool, logChannel, type PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import { postgresImportTarget } from '../eventstore/postgres/postgresImportTarget.js';
import { migrate } from '../eventstore/postgres/schema.js';
import { openDatabase, type SqliteOptions } from '../eventstore/sqlite/openDatabase.js';
import { sqliteImportTarget } from '../eventstore/sqlite/sqliteImportTarget.js';
import { logLocation } from './logLocation.js';
import { progressReporter } from './progressBar.js';

export type ImportLogOptions = Pick<SqliteOptions, 'synchronous'> & {
  /** Refuses an event before anything is written (e.g. a type this server cannot read); see ImportOptions. */
  validate?: (event: StoredEvent, lineNumber: number) => void;
  /** Import into the log in PostgreSQL (DATABASE_URL) instead of the one in `databaseFile`. */
  postgres?: PostgresConnectionOptions;
};

/**
 * Appends the NDJSON event log `file` (as `export` writes it) to the log in `databaseFile` (or in
 * PostgreSQL), which may be empty or new: checks the whole file first, then writes it in batches
 * with a progress bar on stderr, and ends with a summary line. Conflicts and malformed lines throw
 * with the line number and nothing written (see importEvents). Servers running on the same log pick
 * the events up: on SQLite at their next poll, on PostgreSQL woken by each batch's NOTIFY.
 */
export async function importLog(file: string, databaseFile: string, options: ImportLogOptions = {}): Promise<void> {
  const size = await stat(file).then(
    (stats) => stats.size,
    (error: NodeJS.ErrnoException) => {
      throw new Error(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    },
  );
  const startedAt = Date.now();
  // Line by line, never the whole file; \r\n endings are accepted.
  const lines = () => createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const into = await openTarget(databaseFile, options);
  // Created when writing starts, so its rate counts writing only.
  let progress: ReturnType<typeof progressReporter> | undefined;
  let lastCheckReport = Date.now();

  try {
    console.error(`Importing ${file} (${(size / 1024 / 1024).toFixed(1)} MiB) into ${logLocation(databaseFile, options.postgres)}`);
    const result = await importEvents(into.target, lines, {
      validate: options.validate,
      onProgress(phase, done, total) {
        // The last update is left to finish, which draws the bar complete.
        if (phase === 'write') {
          progress ??= progressReporter();
          return done > 0 && done < total! ? progress.update(done, total!) : undefined;
        }
        if (total !== undefined) console.error(`Checked ${events(done)}: no conflict`);
        else if (Date.now() - lastCheckReport >= 1000) {
          console.error(`Checking: ${done.toLocaleString('en-US')} events so far`);
          lastCheckReport = Date.now();
        }
      },
    });
    progress?.finish(result.events, result.events);
    const range = result.firstPosition === undefined ? '' : ` (positions ${result.firstPosition}–${result.lastPosition})`;
    console.error(
      `Imported ${events(result.imported)}${range}, skipped ${result.skipped.toLocaleString('en-US')} stored already, ` +
        `of ${result.events.toLocaleString('en-US')} in the file, in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
  } finally {
    await into.close();
  }
}

/** The log to import into, its tables created (or migrated) when needed. */
async function openTarget(databaseFile: string, { postgres, synchronous }: ImportLogOptions) {
  let target: ImportTarget;
  if (postgres) {
    const pool = createPool(postgres, { max: 1 });
    try {
      await migrate(pool);
      target = postgresImportTarget(pool, logChannel(postgres));
    } catch (error) {
      await pool.end();
      throw error;
    }
    return { target, close: () => pool.end() };
  }
  const db = openDatabase(databaseFile, { synchronous });
  try {
    target = sqliteImportTarget(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return { target, close: async () => db.close() };
}

function events(count: number): string {
  return `${count.toLocaleString('en-US')} event${count === 1 ? '' : 's'}`;
}
