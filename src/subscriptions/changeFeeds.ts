import { ChangeFeed } from './changeFeed.js';

/** The change feed of each announcing read model, by read-model name, made on first use. */
export class ChangeFeeds {
  private readonly feeds = new Map<string, ChangeFeed<unknown>>();

  /** `bufferLimit`: how many live items a subscription buffers unless it asks otherwise. */
  constructor(private readonly bufferLimit?: number) {}

  of<T>(name: string): ChangeFeed<T> {
    let feed = this.feeds.get(name);
    if (!feed) {
      feed = new ChangeFeed<unknown>(this.bufferLimit);
      this.feeds.set(name, feed);
    }
    return feed as ChangeFeed<T>;
  }
}
