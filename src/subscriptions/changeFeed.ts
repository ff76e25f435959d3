import { FeedSubscription, type SubscriptionOptions } from './feedSubscription.js';

/** Anything that takes a feed's items as they are published. */
interface FeedListener<T> {
  offer(item: T): void;
}

/**
 * Fans committed changes out to live subscribers, in the order they are published (position order).
 * Each subscriber buffers for itself (see FeedSubscription), so one that stops reading never slows
 * the others.
 */
export class ChangeFeed<T> {
  private readonly listeners = new Set<FeedListener<T>>();

  /** `bufferLimit`: how many live items a subscription buffers unless it asks otherwise. */
  constructor(readonly bufferLimit = 1000) {}

  publish(items: readonly T[]): void {
    for (const listener of this.listeners) {
      for (const item of items) listener.offer(item);
    }
  }

  /** Items published after this call reach `listener` until the returned function detaches it. */
  attach(listener: FeedListener<T>): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Starts buffering at once: live items published after this call reach the subscriber. */
  subscribe(options: SubscriptionOptions<T> = {}): FeedSubscription<T> {
    return new FeedSubscription<T>(this, options);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
