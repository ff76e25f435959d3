import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeFeed } from '../../src/subscriptions/changeFeed.js';
import type { ReplaySource } from '../../src/subscriptions/replaySource.js';
import { STALLED_AFTER_MS, SubscriberOverflowError } from '../../src/subscriptions/slowSubscriber.js';

type Change = { id: string; version: number };

describe('ChangeFeed', () => {
  it('should deliver initial items first, then published items that pass the filter, in order', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe({ initial: [{ id: 'a', version: 1 }], filter: (change) => change.id === 'a' });
    feed.publish([
      { id: 'b', version: 1 },
      { id: 'a', version: 2 },
      { id: 'a', version: 3 },
    ]);
    expect(await take(subscription, 3)).toEqual([
      { id: 'a', version: 1 },
      { id: 'a', version: 2 },
      { id: 'a', version: 3 },
    ]);
  });

  it('should send what startWith gives first, then only the live items after its position', async () => {
    type At = Change & { position: number };
    const feed = new ChangeFeed<At>();
    const subscription = feed.subscribe({ positionOf: (change) => change.position });
    // Published while the first message was being read: 2 is in what was read, 3 is not.
    feed.publish([
      { id: 'a', version: 1, position: 2 },
      { id: 'a', version: 2, position: 3 },
    ]);
    subscription.startWith([{ id: 'a', version: 1, position: 2 }]);
    feed.publish([{ id: 'a', version: 3, position: 4 }]);
    expect((await take(subscription, 3)).map((change) => change.position)).toEqual([2, 3, 4]);
  });

  it('should coalesce a slow subscriber to the latest item per key instead of growing', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe({ limit: 2, coalesceKey: (change) => change.id });
    feed.publish([
      { id: 'a', version: 1 },
      { id: 'b', version: 1 },
      { id: 'a', version: 2 },
      { id: 'a', version: 3 },
    ]);
    expect(await take(subscription, 2)).toEqual([
      { id: 'b', version: 1 },
      { id: 'a', version: 3 },
    ]);
  });

  it('should fail a subscriber whose buffer overflows, and forget it', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe({ limit: 2 });
    feed.publish([
      { id: 'a', version: 1 },
      { id: 'b', version: 1 },
      { id: 'c', version: 1 },
    ]);
    await expect(subscription.next()).rejects.toBeInstanceOf(SubscriberOverflowError);
    expect(feed.subscriberCount).toBe(0);
  });

  it('should end a waiting reader when the subscription is returned', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe();
    const pending = subscription.next();
    await subscription.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(feed.subscriberCount).toBe(0);
  });
});

type Entry = { position: number };

/** A log of entries at positions 1..n, read a page of `pageSize` at a time, counting its reads. */
class ArrayLog {
  readonly entries: Entry[] = [];
  reads = 0;
  constructor(private readonly pageSize = 3) {}
  append(count: number): Entry[] {
    const added = Array.from({ length: count }, (_, i) => ({ position: this.entries.length + i + 1 }));
    this.entries.push(...added);
    return added;
  }
  get head(): number {
    return this.entries.length;
  }
  readonly read: ReplaySource<Entry> = async (after, upTo) => {
    this.reads++;
    const items = this.entries.filter((e) => e.position > after && e.position <= upTo).slice(0, this.pageSize);
    return { items, reached: items.length < this.pageSize ? upTo : items.at(-1)!.position };
  };
}

describe('FeedSubscription with replay', () => {
  afterEach(() => vi.useRealTimers());

  const positions = (entries: Entry[]) => entries.map((e) => e.position);

  it('should replay from the log up to where live items start, then deliver live ones, none twice', async () => {
    const log = new ArrayLog();
    const feed = new ChangeFeed<Entry>();
    log.append(10);
    let published = 8; // the feed has published up to 8; 9 and 10 are committed but not yet announced
    const subscription = feed.subscribe({
      positionOf: (e) => e.position,
      replay: { after: 2, livePosition: () => published, read: log.read },
    });
    feed.publish(log.entries.slice(8));
    published = 10;
    feed.publish(log.append(2));
    expect(positions(await take(subscription, 10))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('should apply the filter to replayed and live items alike', async () => {
    const log = new ArrayLog();
    const feed = new ChangeFeed<Entry>();
    log.append(6);
    const subscription = feed.subscribe({
      positionOf: (e) => e.position,
      filter: (e) => e.position % 2 === 0,
      replay: { after: 0, livePosition: () => 6, read: log.read },
    });
    feed.publish(log.append(4));
    expect(positions(await take(subscription, 5))).toEqual([2, 4, 6, 8, 10]);
  });

  it('should catch up from the log, not fail, when its buffer overflows while it is still reading', async () => {
    const log = new ArrayLog();
    const feed = new ChangeFeed<Entry>();
    const subscription = feed.subscribe({
      limit: 2,
      positionOf: (e) => e.position,
      replay: { livePosition: () => log.head, read: log.read },
    });
    feed.publish(log.append(1));
    const received = await take(subscription, 1);
    feed.publish(log.append(7)); // 7 into a buffer of 2: the buffer is dropped for the log
    received.push(...(await take(subscription, 7)));
    expect(positions(received)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.reads).toBeGreaterThan(0);
  });

  it('should fail and report a subscriber that stalled with a full buffer, and forget it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const log = new ArrayLog();
    const feed = new ChangeFeed<Entry>();
    const onStalled = vi.fn();
    const subscription = feed.subscribe({
      limit: 2,
      positionOf: (e) => e.position,
      replay: { livePosition: () => log.head, read: log.read },
      onStalled,
    });
    feed.publish(log.append(2));
    vi.setSystemTime(Date.now() + STALLED_AFTER_MS + 1);
    feed.publish(log.append(1));
    expect(onStalled).toHaveBeenCalledTimes(1);
    expect(feed.subscriberCount).toBe(0);
    await expect(subscription.next()).rejects.toBeInstanceOf(SubscriberOverflowError);
  });
});

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) items.push((await iterator.next()).value as T);
  return items;
}
