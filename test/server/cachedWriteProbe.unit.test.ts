import { describe, expect, it } from 'vitest';
import type { WriteProbeResult } from '../../src/eventstore/sqlite/writeProbe.js';
import { CachedWriteProbe } from '../../src/server/cachedWriteProbe.js';

describe('CachedWriteProbe', () => {
  const setup = (results: WriteProbeResult[]) => {
    let now = 1_000_000;
    const timeouts: number[] = [];
    let counted = 0;
    const cached = new CachedWriteProbe(
      async (timeoutMs) => {
        timeouts.push(timeoutMs);
        return results.shift() ?? { writable: true };
      },
      { timeoutMs: 250, maxAgeMs: 1_000, onProbe: () => counted++, now: () => now },
    );
    return { cached, timeouts, probes: () => counted, advance: (ms: number) => (now += ms) };
  };

  it('should run one probe for every call within the window, and share its result', async () => {
    const { cached, timeouts, probes, advance } = setup([{ writable: false, reason: 'locked' }]);
    const first = await Promise.all([cached.result(), cached.result()]);
    advance(999);
    const later = await cached.result();
    expect(probes()).toBe(1);
    expect(timeouts).toEqual([250]);
    expect([...first, later]).toEqual(Array(3).fill({ writable: false, reason: 'locked' }));
  });

  it('should probe again once the window has passed', async () => {
    const { cached, probes, advance } = setup([{ writable: false, reason: 'locked' }, { writable: true }]);
    await cached.result();
    advance(1_000);
    expect(await cached.result()).toEqual({ writable: true });
    expect(probes()).toBe(2);
  });
});
