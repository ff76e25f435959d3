import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock/clock.js';
import { ManualClock } from '../../src/clock/manualClock.js';

describe('ManualClock', () => {
  it('should call the timers that come due, earliest first, each at its own time, and wait for them', async () => {
    const clock = new ManualClock(1_000);
    const calls: [string, number][] = [];
    clock.setTimer(3_000, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      calls.push(['c', clock.now()]);
    });
    clock.setTimer(2_000, () => void calls.push(['b', clock.now()]));
    clock.setTimer(9_000, () => void calls.push(['late', clock.now()]));

    await clock.advance(2_500);

    expect(calls).toEqual([
      ['b', 2_000],
      ['c', 3_000],
    ]);
    expect(clock.now()).toBe(3_500);
    expect(clock.timerCount).toBe(1);
  });

  it('should call a timer set by a callback when it falls due within the same advance', async () => {
    const clock = new ManualClock(0);
    const calls: number[] = [];
    clock.setTimer(10, () => {
      calls.push(clock.now());
      clock.setTimer(20, () => void calls.push(clock.now()));
    });
    await clock.advanceTo(30);
    expect(calls).toEqual([10, 20]);
  });

  it('should not call a cancelled timer, nor move back in time', async () => {
    const clock = new ManualClock(100);
    let called = false;
    clock
      .setTimer(150, () => {
        called = true;
      })
      .cancel();
    await clock.advanceTo(200);
    await clock.advanceTo(50);
    expect(called).toBe(false);
    expect(clock.now()).toBe(200);
  });

  it('should call a timer for a time already past on the next turn, never synchronously', async () => {
    const clock = new ManualClock(100);
    let called = false;
    clock.setTimer(50, () => {
      called = true;
    });
    expect(called).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(called).toBe(true);
  });
});

describe('systemClock', () => {
  it('should call a timer for a time already past soon, never synchronously, and not a cancelled one', async () => {
    const calls: string[] = [];
    systemClock.setTimer(Date.now() - 1_000, () => void calls.push('past'));
    systemClock.setTimer(Date.now() + 20, () => void calls.push('soon'));
    systemClock.setTimer(Date.now() + 10, () => void calls.push('cancelled')).cancel();
    expect(calls).toEqual([]);
    // 'soon' is the marker: the cancelled timer was due before it, so it would have run by then.
    await vi.waitFor(() => expect(calls).toContain('soon'), { timeout: 5_000 });
    expect(calls).toEqual(['past', 'soon']);
  });
});
