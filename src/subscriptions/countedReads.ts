import type { EventStore } from '../eventstore/eventStore.js';

/** The reads a replay makes of the log. */
export type ReplayLog = Pick<EventStore, 'readAll' | 'readStream'>;

/**
 * `log` with every read counted: `count` is told how many events each read returned, so the work
 * replays do shows in /metrics (orderstream_replay_events_read_total) rather than only in timings.
 */
export function countedReads(log: ReplayLog, count: (events: number) => void): ReplayLog {
  const counted = <T extends unknown[]>(events: T): T => {
    if (events.length > 0) count(events.length);
    return events;
  };
  return {
    readAll: async (options) => counted(await log.readAll(options)),
    readStream: async (streamId, options) => counted(await log.readStream(streamId, options)),
  };
}
