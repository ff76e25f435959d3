export type SubscribeOptions<T> = {
  /** Only items for which this is true reach the subscriber. */
  filter?: (item: T) => boolean;
  /**
   * When the buffer is full, a new item replaces a buffered one with the same key (the subscriber
   * skips to the latest state of that thing) instead of overflowing.
   */
  coalesceKey?: (item: T) => string;
  /** Items buffered for a subscriber that is not reading; past it the subscription fails. */
  limit?: number;
  /** Items the subscriber receives first, before any live item. */
  initial?: T[];
};

/** A subscriber that fell more than its buffer behind; it should resubscribe from where it was. */
export class SubscriberOverflowError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly details = {};
  constructor(limit: number) {
    super(`The subscriber fell more than ${limit} changes behind; subscribe again to resume`);
    this.name = 'SubscriberOverflowError';
  }
}

const DEFAULT_LIMIT = 1000;

/**
 * Fans committed changes out to live subscribers. Each subscriber has its own bounded buffer, so a
 * client that stops reading costs at most `limit` items of memory and never slows the others.
 */
export class ChangeFeed<T> {
  private readonly subscribers = new Set<FeedSubscription<T>>();

  publish(items: readonly T[]): void {
    for (const subscriber of this.subscribers) {
      for (const item of items) subscriber.offer(item);
    }
  }

  /** Starts buffering at once: live items published after this call reach the subscriber. */
  subscribe(options: SubscribeOptions<T> = {}): FeedSubscription<T> {
    const subscription = new FeedSubscription<T>(options, () => this.subscribers.delete(subscription));
    this.subscribers.add(subscription);
    return subscription;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}

export class FeedSubscription<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;

  constructor(
    private readonly options: SubscribeOptions<T>,
    private readonly onClose: () => void,
  ) {
    this.buffer = [...(options.initial ?? [])];
  }

  offer(item: T): void {
    if (this.closed || (this.options.filter && !this.options.filter(item))) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    const limit = this.options.limit ?? DEFAULT_LIMIT;
    if (this.buffer.length < limit) {
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
    this.failure = new SubscriberOverflowError(limit);
    this.buffer.length = 0;
    this.close();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
