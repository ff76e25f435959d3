import { describe, expect, it } from 'vitest';
import { LogReadBudget } from '../../src/server/logReadBudget.js';

describe('LogReadBudget', () => {
  it('should let a caller read its burst at once, then make it wait for what it spends past it, alone', async () => {
    let now = 1_000_000;
    // 1,000 events a second, a burst of 1,000: two pages of 1,000 at once (the burst and the next
    // second's), then one a second.
    const budget = new LogReadBudget({ eventsPerSecond: 1000, burst: 1000, now: () => now });
    await budget.take('staff-1', 1000);
    await budget.take('staff-1', 1000);
    expect(budget.waited).toBe(0);
    // The third page waits until the spending past the burst is paid back (a second)…
    const third = budget.take('staff-1', 1000);
    expect(budget.waited).toBe(1);
    // …while another caller waits for nothing.
    await budget.take('staff-2', 1000);
    expect(budget.waited).toBe(1);
    now += 1000;
    await third;
    expect(budget.waited).toBe(1);
  });

  it('should queue concurrent reads of one caller one after another, not let them pass together', () => {
    const now = 0;
    const budget = new LogReadBudget({ eventsPerSecond: 1000, burst: 1000, now: () => now });
    // Five connections asking at the same moment: the first two go, the other three wait their turn.
    for (let connection = 0; connection < 5; connection++) void budget.take('pager', 1000);
    expect(budget.waited).toBe(3);
  });

  it('should give back what a read reserved and did not return, charging a read of nothing the minimum', async () => {
    const now = 5_000;
    const budget = new LogReadBudget({ eventsPerSecond: 1000, burst: 100, now: () => now });
    // Polling past the head with pages of 1,000 that come back empty: each costs the minimum, 10 events.
    for (let read = 0; read < 11; read++) {
      await budget.take('poller', 1000);
      budget.refund('poller', 1000, 0);
    }
    expect(budget.waited).toBe(0);
    void budget.take('poller', 1000);
    expect(budget.waited).toBe(1);
  });

  it('should charge a read that fails the minimum, not its whole reservation', async () => {
    const now = 0;
    const budget = new LogReadBudget({ eventsPerSecond: 1000, burst: 1000, now: () => now });
    await expect(budget.reading('staff-1', 1000, () => Promise.reject(new Error('PostgreSQL is down')))).rejects.toThrow('down');
    // The failed read gave back all but the minimum (10): 990 and 10 more still fit in the burst.
    expect(await budget.reading('staff-1', 990, async () => Array.from({ length: 990 }, (_, n) => n))).toHaveLength(990);
    expect(await budget.reading('staff-1', 10, async () => ['an event'])).toEqual(['an event']);
    expect(budget.waited).toBe(0);
  });
});
