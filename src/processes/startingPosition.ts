import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';

const WINDOW = 1_000;
/** How far back to look for the process's own events before starting from the beginning. */
const MAX_SCANNED = 200_000;

/**
 * Where a process with no checkpoint of its own (a new instance beside a shared log, a log just
 * imported) may start without missing a trigger: before the batch that caused the last event it
 * wrote. Every batch before that one was handled in full, since batches run one after another; the
 * triggers from there on are handled again, each a no-op by its idempotency keys. 0 when the log
 * holds nothing it wrote in its last MAX_SCANNED events.
 *
 * Reads the log backwards by position (windows through the primary key), never by a scan of it all.
 */
export async function startingPosition(
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  process: { userId: string; handles: readonly string[]; batchSize: number },
): Promise<number> {
  let causationId: string | undefined;
  let triggersBefore = 0;
  let upTo = await store.headPosition();
  for (let scanned = 0; upTo > 0 && scanned < MAX_SCANNED; scanned += WINDOW) {
    const from = Math.max(0, upTo - WINDOW);
    const window = await store.readAll({ afterPosition: from, limit: upTo - from });
    for (const event of window.reverse()) {
      if (causationId === undefined) {
        if (writtenBy(event, process.userId)) causationId = event.metadata.causationId;
        continue;
      }
      if (triggersBefore === 0 && event.eventId !== causationId) continue;
      // The trigger of that last event, then the triggers its batch may have started with.
      if (isTrigger(event, process.handles) && ++triggersBefore >= process.batchSize) return event.position - 1;
    }
    upTo = from;
  }
  return 0;
}

/** Its user and a key derived from its trigger (`<trigger id>:<step>`), which no client's command carries. */
const writtenBy = ({ metadata }: StoredEvent, userId: string) =>
  metadata.userId === userId && metadata.commandId.startsWith(`${metadata.causationId}:`);

const isTrigger = (event: StoredEvent, handles: readonly string[]) => handles.includes(event.type);
