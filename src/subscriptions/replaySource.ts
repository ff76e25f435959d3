/** One page of a replay: items in position order, and how far the log was scanned to find them. */
export type ReplayPage<T> = {
  items: T[];
  /** The position up to which the log has been read; items after `after`, up to here, are all in `items`. */
  reached: number;
};

/**
 * Reads what a subscription missed: items with a position greater than `after` and at most `upTo`,
 * in position order, one page at a time. Returning `reached >= upTo` ends the replay.
 */
export type ReplaySource<T> = (after: number, upTo: number) => Promise<ReplayPage<T>>;

/** How many events a replay reads from the log at a time. */
export const REPLAY_PAGE_SIZE = 500;
