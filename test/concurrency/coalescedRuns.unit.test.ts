import { describe, expect, it } from 'vitest';
import { CoalescedRuns } from '../../src/concurrency/coalescedRuns.js';

describe('CoalescedRuns', () => {
  it('should share a run among calls made during it, and pass once more after it for them', async () => {
    let passes = 0;
    let release: () => void = () => {};
    const runs = new CoalescedRuns(async () => {
      passes++;
      if (passes === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = runs.run();
    const second = runs.run();
    const third = runs.run();
    expect(second).toBe(first);
    expect(third).toBe(first);
    release();
    await first;
    // Three calls: the first pass, and one more for the two that came during it.
    expect(passes).toBe(2);
    expect(runs.current).toBeUndefined();
    await runs.run();
    expect(passes).toBe(3);
  });

  it('should not pass again once it may not go on (a stopped reader)', async () => {
    let passes = 0;
    let stopped = false;
    const runs = new CoalescedRuns(
      async () => {
        passes++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      () => !stopped,
    );
    const run = runs.run();
    void runs.run();
    stopped = true;
    await run;
    expect(passes).toBe(1);
  });
});
