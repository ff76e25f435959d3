import type { EventStore, ReadAllOptions, StoredEvent } from '../eventstore/eventStore.js';
import { REPLAY_PAGE_SIZE, type ReplayPage, type ReplaySource } from './replaySource.js';

/** Replays the log's events (narrowed by `filter`) from a position, a page at a time. */
export function eventReplay(
  store: Pick<EventStore, 'readAll'>,
  filter: Pick<ReadAllOptions, 'types' | 'streamId'>,
): ReplaySource<StoredEvent> {
  return async (after, upTo) => pageOf(await store.readAll({ ...filter, afterPosition: after, limit: REPLAY_PAGE_SIZE }), upTo);
}

/** The events of one read up to `upTo`, and how far that read reached. */
export function pageOf(events: StoredEvent[], upTo: number): ReplayPage<StoredEvent> {
  const items = events.filter((event) => event.position <= upTo);
  // A short page, or one that went past `upTo`, has seen everything up to `upTo`.
  const complete = events.length < REPLAY_PAGE_SIZE || items.length < events.length;
  return { items, reached: complete ? upTo : items.at(-1)!.position };
}
