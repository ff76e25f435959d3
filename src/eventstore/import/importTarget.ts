import type { StoredEvent } from '../eventStore.js';

/** An event of the file with the line it came from. */
export type ImportLine = { event: StoredEvent; lineNumber: number };

/** What a target log holds of some events and streams. */
export type TargetState = {
  /** Where each asked-for event id is stored, when it is. */
  storedEvents: Map<string, { streamId: string; version: number }>;
  /** Each asked-for stream's type and last version; absent when the target has no event of it. */
  streams: Map<string, { streamType: string; version: number }>;
};

/** The positions the target gave the events one batch appended; undefined when it appended none. */
export type AppendedRange = { count: number; firstPosition: number; lastPosition: number } | undefined;

/**
 * The log an import appends to (SQLite or PostgreSQL). Storage faults reject with
 * StorageUnavailableError; the log's tables exist once a target is made.
 */
export interface ImportTarget {
  /** What the target holds now of `eventIds` and `streamIds`. */
  lookup(eventIds: readonly string[], streamIds: readonly string[]): Promise<TargetState>;
  /**
   * In one transaction that keeps every other writer of the log out: looks up what the target holds
   * of the batch's events and streams, lets `choose` pick the events to append (it throws to refuse
   * the batch, and then nothing of it is written), and appends them in order.
   */
  appendBatch(batch: readonly ImportLine[], choose: (state: TargetState) => readonly StoredEvent[]): Promise<AppendedRange>;
}

/** The distinct event ids and stream ids of some lines, as `lookup` takes them. */
export function idsOf(lines: readonly ImportLine[]): { eventIds: string[]; streamIds: string[] } {
  return {
    eventIds: lines.map(({ event }) => event.eventId),
    streamIds: [...new Set(lines.map(({ event }) => event.streamId))],
  };
}
