import type { ChangeFeed } from './changeFeed.js';
import type { ReplaySource } from './replaySource.js';
import { replayTurns } from './replayTurns.js';
import { STALLED_AFTER_MS, SubscriberOverflowError } from './slowSubscriber.js';

export type SubscriptionOptions<T> = {
  /** Only items for which this is true reach the subscriber (live and replayed alike). */
  filter?: (item: T) => boolean;
  /**
   * When the buffer is full, a new item replaces a buffered one with the same key (the subscriber
   * skips to the latest state of that thing) instead of overflowing.
   */
  coalesceKey?: (item: T) => string;
  /** Live items buffered for a subscriber that is not reading; default the feed's bufferLimit. */
  limit?: number;
  /** Items the subscriber receives first, before any live item. */
  initial?: T[];
  /** An item's global log position; required with `replay`. Live items at or below the last one sent are dropped. */
  positionOf?: (item: T) => number;
  /**
   * Replays what happened after `after` from the log before going live, and catches up from the log
   * again whenever the buffer overflows while the subscriber is still reading.
   */
  replay?: {
    /** Undefined: nothing to replay, live from now on (the log still backs a subscriber that falls behind). */
    after?: number;
    /** The position the feed has published up to now: every live item from here on is after it. */
    livePosition: () => number;
    read: ReplaySource<T>;
  };
  /** Called once when the buffer is full and the subscriber took nothing for STALLED_AFTER_MS (close its connection). */
  onStalled?: () => void;
};

/**
 * One subscriber's view of a ChangeFeed: replay from the log, then live items, with no gap and no
 * duplicate at the seam. The live listener is attached before anything is replayed, at the feed's
 * position then (`liveFrom`); the replay reads the log up to `liveFrom`; live items at or below the
 * last position sent are dropped. The replay reads a page at a time, taking turns with every other
 * replay (replayTurns.ts), so no replay, nor many together, holds the loop longer than one page.
 *
 * Memory stays bounded: live items wait in a buffer of `limit`. When it is full, an item replaces one
 * with the same `coalesceKey`; failing that, a subscriber that still reads drops the buffer and
 * catches up from the log (which holds everything the buffer would), and one that took nothing for
 * STALLED_AFTER_MS fails with SubscriberOverflowError and `onStalled` is called.
 */
export class FeedSubscription<T> implements AsyncIterableIterator<T> {
  /** Items to send before the buffer: the initial ones, then each replayed page. */
  private pending: T[] = [];
  private buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private readonly detach: () => void;
  private readonly limit: number;
  private lastSent = 0;
  /** Live items come from after this position; the replay must reach it. */
  private liveFrom = 0;
  private replayedUpTo = 0;
  private lastTakenAt = Date.now();

  constructor(
    feed: ChangeFeed<T>,
    private readonly options: SubscriptionOptions<T>,
  ) {
    this.limit = options.limit ?? feed.bufferLimit;
    this.startWith(options.initial ?? []);
    if (options.replay) {
      // Both in one synchronous step: nothing can be published between reading the position and attaching.
      this.liveFrom = options.replay.livePosition();
      this.lastSent = this.replayedUpTo = options.replay.after ?? this.liveFrom;
    }
    this.detach = feed.attach(this);
  }

  /**
   * Sends `items` before anything else and drops the live items at or below the last one's position
   * (needs `positionOf`). For a first message read after attaching, as an async read must be: changes
   * published while it ran wait in the buffer, and those it already shows are not sent again.
   * Call it before the first `next()`.
   */
  startWith(items: T[]): void {
    this.pending.unshift(...items);
    const last = items.at(-1);
    if (last !== undefined && this.options.positionOf) this.lastSent = Math.max(this.lastSent, this.positionOf(last));
  }

  offer(item: T): void {
    if (this.closed || (this.options.filter && !this.options.filter(item))) return;
    if (this.waiting && !this.catchingUp() && this.pending.length === 0 && this.buffer.length === 0 && !this.sentAlready(item)) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.markSent(item);
      resolve({ value: item, done: false });
      return;
    }
    this.enqueue(item);
  }

  async next(): Promise<IteratorResult<T>> {
    this.lastTakenAt = Date.now();
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.closed) return { value: undefined, done: true };
      const item = this.pending.shift();
      if (item !== undefined) {
        this.markSent(item);
        return { value: item, done: false };
      }
      if (this.catchingUp()) {
        await this.readReplayPage();
        continue;
      }
      const live = this.takeLive();
      if (live !== undefined) return { value: live, done: false };
      return new Promise((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private catchingUp(): boolean {
    return this.options.replay !== undefined && this.replayedUpTo < this.liveFrom;
  }

  private async readReplayPage(): Promise<void> {
    // Pages of every replay take turns, with the event loop's I/O between two (see replayTurns.ts).
    const page = await replayTurns.run(async () => (this.closed ? undefined : this.options.replay!.read(this.replayedUpTo, this.liveFrom)));
    if (!page) return;
    this.replayedUpTo = Math.max(this.replayedUpTo, page.reached);
    const filter = this.options.filter;
    this.pending = page.items.filter((item) => (!filter || filter(item)) && !this.sentAlready(item));
  }

  private takeLive(): T | undefined {
    for (let item = this.buffer.shift(); item !== undefined; item = this.buffer.shift()) {
      // At the seam: the replay sent it already.
      if (this.sentAlready(item)) continue;
      this.markSent(item);
      return item;
    }
    return undefined;
  }

  private enqueue(item: T): void {
    if (this.buffer.length < this.limit) {
      this.buffer.push(item);
      return;
    }
    const key = this.options.coalesceKey;
    const sameKey = key ? this.buffer.findIndex((buffered) => key(buffered) === key(item)) : -1;
    if (sameKey >= 0) {
      this.buffer.splice(sameKey, 1);
      this.buffer.push(item);
      return;
    }
    const stalled = Date.now() - this.lastTakenAt > STALLED_AFTER_MS;
    if (this.options.replay && !stalled) {
      // Still reading, only behind: forget the buffer and read the same items from the log instead.
      if (!this.catchingUp()) this.replayedUpTo = this.lastSent;
      this.liveFrom = this.positionOf(item) - 1;
      this.buffer = [item];
      return;
    }
    this.failure = new SubscriberOverflowError(this.limit);
    this.pending = [];
    this.buffer = [];
    this.close();
    this.options.onStalled?.();
  }

  private sentAlready(item: T): boolean {
    return this.options.positionOf !== undefined && this.positionOf(item) <= this.lastSent;
  }

  private markSent(item: T): void {
    if (this.options.positionOf) this.lastSent = this.positionOf(item);
  }

  private positionOf(item: T): number {
    return this.options.positionOf!(item);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
