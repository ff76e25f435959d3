/**
 * Time as the server's processes see it: when now is, and a way to be called back at a later time.
 * The wall clock by default (`systemClock`); a hand-driven `ManualClock` in tests and in `seed`, which
 * simulates past days. The domain reads no clock: commands carry their time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `callback` once the clock reaches `at` (milliseconds since the epoch); a time that has
   * passed already is called back as soon as possible, never synchronously. The callback must not
   * throw or reject: a clock has nobody to tell. `cancel()` on the timer it returns stops a call
   * that has not started yet.
   */
  setTimer(at: number, callback: () => void | Promise<void>): Timer;
}

export type Timer = { cancel(): void };

/** setTimeout's longest delay (about 24.8 days); a later time is waited for in several steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The wall clock. Its timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, callback) {
    let handle: NodeJS.Timeout | undefined;
    const wait = () => {
      const delay = at - Date.now();
      if (delay <= 0) {
        handle = undefined;
        void callback();
        return;
      }
      handle = setTimeout(wait, Math.min(delay, MAX_DELAY_MS));
      handle.unref();
    };
    // Never synchronously, even when `at` has passed: the caller finishes what it was doing first.
    handle = setTimeout(wait, Math.max(0, Math.min(at - Date.now(), MAX_DELAY_MS)));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** An ISO 8601 time of a clock's now, as commands carry it. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
