import { ChangeFeed } from './changeFeed.js';

/** The change feed of each announcing read model, by read-model name, made on first use. */
export class ChangeFeeds {
  private readonly feeds = new Map<string, ChangeFeed<unknown>>();

  /** `bufferLimit`: how many live items a subscription buffers unless it asks otherwise. */
  constructor(private readonly bufferLimit?: number) {}

  of<T>(name: string): ChangeFeed<T> {
    if (!this.feeds.has(name)) this.feeds.set(name, new ChangeFeed(this.bufferLimit));
    return this.feeds.get(name) as ChangeFeed<T>;
  }
}
