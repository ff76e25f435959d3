import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';

/**
 * `store.readAll` with the last `keep` full pages shared: read models moving through the log
 * together (a first build of several, or every live one after an append) read each page once.
 * Only full pages are kept, and only while read whole: a full page after a position never changes,
 * whereas a short one (at the head) grows as events are appended. Reaching the head lets them all go,
 * so a server that has caught up holds none.
 */
export function sharedPages(store: Pick<EventStore, 'readAll'>, keep = 8): Pick<EventStore, 'readAll'> {
  const pages = new Map<string, Promise<StoredEvent[]>>();
  return {
    readAll(options = {}) {
      const { afterPosition = 0, limit, types, streamId, streamIds } = options;
      if (limit === undefined || types || streamId !== undefined || streamIds !== undefined) return store.readAll(options);
      const key = `${afterPosition}/${limit}`;
      const shared = pages.get(key);
      if (shared) return shared;
      const read = store.readAll(options);
      pages.set(key, read);
      if (pages.size > keep) pages.delete(pages.keys().next().value!);
      read.then(
        // A short page is the head: whoever reads it has caught up, and the pages behind are done with.
        (events) => events.length < limit && pages.clear(),
        () => pages.delete(key),
      );
      return read;
    },
  };
}
