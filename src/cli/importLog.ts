import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { StoredEvent } from '../eventstore/eventStore.js';
import { openDatabase, type SqliteOptions } from '../eventstore/sqlite/openDatabase.js';
import { importEvents } from '../eventstore/sqlite/importEvents.js';
import { progressReporter } from './progressBar.js';

export type ImportLogOptions = Pick<SqliteOptions, 'synchronous'> & {
  /** Refuses an event before anything is written (e.g. a type this server cannot read); see ImportOptions. */
  validate?: (event: StoredEvent, lineNumber: number) => void;
};

/**
 * Appends the NDJSON event log `file` (as `export` writes it) to the log in `databaseFile`, which
 * may be empty or new: checks the whole file first, then writes it in batches with a progress bar
 * on stderr, and ends with a summary line. Conflicts and malformed lines throw with the line number
 * and nothing written (see importEvents). A server running on the same file picks the events up on
 * its next poll.
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
  const db = openDatabase(databaseFile, { synchronous: options.synchronous });
  // Created when writing starts, so its rate counts writing only.
  let progress: ReturnType<typeof progressReporter> | undefined;
  let lastCheckReport = Date.now();

  try {
    console.error(`Importing ${file} (${(size / 1024 / 1024).toFixed(1)} MiB) into ${databaseFile}`);
    const result = await importEvents(db, lines, {
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
    db.close();
  }
}

function events(count: number): string {
  return `${count.toLocaleString('en-US')} event${count === 1 ? '' : 's'}`;
}
