import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { toNdjsonLine } from '../eventstore/ndjson.js';
import type { EventStore } from '../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import { openPostgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { openDatabase } from '../eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../eventstore/sqlite/sqliteEventStore.js';
import { progressReporter } from './progressBar.js';
import { logLocation } from './logLocation.js';

const PAGE_SIZE = 1000;

export type ExportOptions = {
  /** Export the events after this position (default 0: all of them). */
  after?: number;
  /** Where to write; stdout when absent. */
  file?: string;
  /** Export the log in PostgreSQL (DATABASE_URL) instead of the one in `databaseFile`. */
  postgres?: PostgresConnectionOptions;
};

/**
 * Writes the log of `databaseFile` as NDJSON, one event per line in position order, as stored
 * (never upcast), from `after` up to the head at the start. Reads page by page and waits for the
 * output to drain, so memory stays flat whatever the log's size. A file is written beside its name
 * and renamed when complete, so a failed export leaves no partial file behind. Progress and a
 * summary go to stderr.
 */
export async function exportLog(databaseFile: string, { after = 0, file, postgres }: ExportOptions = {}): Promise<void> {
  if (!postgres && databaseFile !== ':memory:' && !existsSync(databaseFile)) {
    throw new Error(`There is no event log at ${databaseFile} (set ORDERSTREAM_DB)`);
  }
  const startedAt = Date.now();
  const source = logLocation(databaseFile, postgres);
  const store: EventStore = postgres
    ? await openPostgresEventStore({ ...postgres, poolSize: 1 })
    : new SqliteEventStore(openDatabase(databaseFile));
  const partialFile = file === undefined ? undefined : `${file}.partial`;
  const output: Writable = partialFile === undefined ? process.stdout : createWriteStream(partialFile);
  const progress = progressReporter();
  // A write error (disk full, closed pipe) is kept here and thrown by the next write.
  let outputError: Error | undefined;
  const onError = (error: Error) => (outputError ??= error);
  output.on('error', onError);
  const write = async (chunk: string) => {
    if (outputError) throw outputError;
    if (!output.write(chunk)) await once(output, 'drain');
    if (outputError) throw outputError;
  };

  let exported = 0;
  let first: number | undefined;
  let last: number | undefined;
  try {
    // Up to the head at the start: a server may go on appending while we read.
    const head = await store.headPosition();
    const total = Math.max(0, head - after);
    for (let position = after; position < head; ) {
      const page = (await store.readAll({ afterPosition: position, limit: PAGE_SIZE })).filter((event) => event.position <= head);
      if (page.length === 0) break;
      await write(`${page.map(toNdjsonLine).join('\n')}\n`);
      position = page[page.length - 1]!.position;
      first ??= page[0]!.position;
      last = position;
      exported += page.length;
      if (position < head) progress.update(position - after, total);
    }
    if (partialFile !== undefined) {
      output.end();
      await finished(output);
      await rename(partialFile, file!);
    }
    progress.finish(total, total);
  } catch (error) {
    if (partialFile !== undefined) {
      output.destroy();
      await rm(partialFile, { force: true });
    }
    throw error;
  } finally {
    output.off('error', onError);
    await store.close();
  }
  const range = first === undefined ? 'none' : `positions ${first}–${last}`;
  console.error(`Exported ${exported} events (${range}) from ${source} to ${file ?? 'stdout'} in ${seconds(startedAt)} s`);
}

function seconds(startedAt: number): string {
  return ((Date.now() - startedAt) / 1000).toFixed(1);
}
