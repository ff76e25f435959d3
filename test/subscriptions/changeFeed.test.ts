import { describe, expect, it } from 'vitest';
import { ChangeFeed, SubscriberOverflowError } from '../../src/projections/changeFeed.js';

type Change = { id: string; version: number };

describe('ChangeFeed', () => {
  it('should deliver initial items first, then published items that pass the filter, in order', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe({ initial: [{ id: 'a', version: 1 }], filter: (change) => change.id === 'a' });
    feed.publish([{ id: 'b', version: 1 }, { id: 'a', version: 2 }, { id: 'a', version: 3 }]);
    expect(await take(subscription, 3)).toEqual([
      { id: 'a', version: 1 },
      { id: 'a', version: 2 },
      { id: 'a', version: 3 },
    ]);
  });

  it('should coalesce a slow subscriber to the latest item per key instead of growing', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe({ limit: 2, coalesceKey: (change) => change.id });
    feed.publish([{ id: 'a', version: 1 }, { id: 'b', version: 1 }, { id: 'a', version: 2 }, { id: 'a', version: 3 }]);
    expect(await take(subscription, 2)).toEqual([
      { id: 'b', version: 1 },
      { id: 'a', version: 3 },
    ]);
  });

  it('should fail a subscriber whose buffer overflows, and forget it', async () => {
    const feed = new ChangeFeed<Change>();
    const subscription = feed.subscribe({ limit: 2 });
    feed.publish([{ id: 'a', version: 1 }, { id: 'b', version: 1 }, { id: 'c', version: 1 }]);
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

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < count) items.push((await iterator.next()).value as T);
  return items;
}
