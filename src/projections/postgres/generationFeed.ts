import pg from 'pg';
import type { EventStore, StoredEvent } from '../../eventstore/eventStore.js';
import { StorageUnavailableError } from '../../eventstore/errors.js';
import { toStorageError } from '../../eventstore/postgres/storageErrors.js';
import { UnreadableEventError } from '../../eventstore/upcasting/unreadableEventError.js';
import type { Logger } from '../../logging/logger.js';
import { failureAt } from '../failure.js';
import { inClientTransaction } from './clientTransaction.js';
import { LeadershipLostError, moveCheckpoints, type PostgresGenerationRow, recordChanges, recordFailure } from './postgresGenerations.js';
import type { PostgresReadModelWriter } from './postgresWriter.js';

type GenerationFeedOptions = {
  /** The leader's connection: every batch commits on it, or not at all. */
  client: pg.ClientBase;
  store: Pick<EventStore, 'readAll'>;
  writer: PostgresReadModelWriter;
  batchSize: number;
  /** Stop at this position: the head when the step began, or the live generation's for a rebuild. */
  until: number;
  /** NOTIFY'd after each batch so other instances look now rather than at their next poll. */
  channel: string;
  logger: Logger;
  /** After each committed batch, with the position it started from and the changes it announced. */
  onCommitted: (row: PostgresGenerationRow, batch: CommittedBatch) => void;
  /** Checked between batches: false stops (the server is stopping). */
  goOn: () => boolean;
};

export type CommittedBatch = { from: number; changes: unknown[] };

/**
 * Read models are derived from the log, checkpoint included: a batch lost with the server is applied
 * again, so its commit need not wait for the disk (nor keep the other leaders' commits waiting).
 */
export const BATCH_SETTINGS = 'SET LOCAL synchronous_commit = off';

/**
 * Applies the log past a generation's checkpoint, batch by batch: the rows, the new checkpoint, the
 * announced changes and the NOTIFY commit in one transaction. An event a writer throws on is kept
 * out (those before it are kept) and recorded as the generation's failure, visible to every
 * instance, until retried. Returns the row as it is now.
 */
export async function feedGeneration(row: PostgresGenerationRow, options: GenerationFeedOptions): Promise<PostgresGenerationRow> {
  let current = row;
  while (!current.failure && current.position < options.until && options.goOn()) {
    const limit = Math.min(options.batchSize, options.until - current.position);
    let events: StoredEvent[];
    try {
      events = await options.store.readAll({ afterPosition: current.position, limit });
    } catch (error) {
      if (!(error instanceof UnreadableEventError)) throw error;
      return feedUpToUnreadable(current, error, options);
    }
    if (events.length === 0) break;
    current = await applyOrFindCulprit(current, events, options);
  }
  return current;
}

async function applyOrFindCulprit(
  row: PostgresGenerationRow,
  events: StoredEvent[],
  options: GenerationFeedOptions,
): Promise<PostgresGenerationRow> {
  try {
    return await commitBatch(row, events, options);
  } catch (batchError) {
    throwIfNotTheEvents(batchError);
    let current = row;
    for (const event of events) {
      try {
        current = await commitBatch(current, [event], options);
      } catch (error) {
        throwIfNotTheEvents(error);
        return stopAt(current, { ...event, eventType: event.type }, error, options);
      }
    }
    return current;
  }
}

/** Applies the readable events before an unreadable one, one at a time, and stops at it. */
async function feedUpToUnreadable(row: PostgresGenerationRow, unreadable: UnreadableEventError, options: GenerationFeedOptions) {
  let current = row;
  while (current.position < unreadable.position - 1 && !current.failure) {
    const events = await options.store.readAll({ afterPosition: current.position, limit: 1 }).catch((error: unknown) => {
      if (error instanceof UnreadableEventError) return [];
      throw error;
    });
    if (events.length === 0) break;
    current = await applyOrFindCulprit(current, events, options);
  }
  return current.failure ? current : stopAt(current, unreadable, unreadable, options);
}

async function stopAt(
  row: PostgresGenerationRow,
  event: { position: number; eventId: string; eventType: string },
  error: unknown,
  options: GenerationFeedOptions,
): Promise<PostgresGenerationRow> {
  const failure = failureAt(options.logger, `Projection ${row.name}`, event, error);
  await recordFailure(options.client, row.name, row.generation, failure);
  return { ...row, failure };
}

async function commitBatch(
  row: PostgresGenerationRow,
  events: StoredEvent[],
  options: GenerationFeedOptions,
): Promise<PostgresGenerationRow> {
  const { client } = options;
  const to = events.at(-1)!.position;
  const announced = await inClientTransaction(
    client,
    async () => {
      const announced = await options.writer.apply(client, events);
      await recordChanges(
        client,
        announced.map(({ position, change }) => ({ name: row.name, position, change })),
      );
      await moveCheckpoints(client, [{ name: row.name, generation: row.generation, from: row.position, to }], options.channel);
      return announced;
    },
    BATCH_SETTINGS,
  );
  const next = { ...row, position: to };
  options.onCommitted(next, { from: row.position, changes: announced.map((c) => c.change) });
  return next;
}

/** SQLSTATE classes of a statement stopped from outside (cancelled, timed out, lock not available). */
const INTERRUPTED = ['57', '55'];

/** Storage faults, interruptions and a lost lead are no fault of the events: leave them to the next try. */
function throwIfNotTheEvents(error: unknown): void {
  if (error instanceof LeadershipLostError) throw error;
  if (error instanceof pg.DatabaseError && INTERRUPTED.some((sqlClass) => error.code?.startsWith(sqlClass))) throw error;
  const mapped = toStorageError(error, 'the read models cannot be updated right now');
  if (mapped instanceof StorageUnavailableError) throw mapped;
}
