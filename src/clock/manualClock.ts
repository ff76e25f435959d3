import type { Clock, Timer } from './clock.js';

type Pending = { at: number; callback: () => void | Promise<void>; sequence: number };

/**
 * A clock that moves only when told to: tests advance it past a deadline instead of sleeping, and
 * `seed` moves it through the days it simulates. `advance`/`advanceTo` call the timers that come
 * due, earliest first (equal times in the order they were set), with the clock set to each timer's
 * time while it runs, and resolve once their callbacks have. A timer set for a time that has passed
 * already is called on the next turn of the event loop, as the wall clock's would be.
 */
export class ManualClock implements Clock {
  private time: number;
  private readonly pending: Pending[] = [];
  private sequence = 0;

  constructor(start: number | Date = Date.now()) {
    this.time = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, callback: () => void | Promise<void>): Timer {
    const timer: Pending = { at, callback, sequence: ++this.sequence };
    this.pending.push(timer);
    if (at <= this.time) setImmediate(() => void this.advanceTo(this.time));
    return {
      cancel: () => {
        const index = this.pending.indexOf(timer);
        if (index >= 0) this.pending.splice(index, 1);
      },
    };
  }

  /** Moves the time on by `ms` (see advanceTo). */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.time + ms);
  }

  /**
   * Moves the time to `target` (never back), calling every timer due by then, each with the clock
   * at its time, including timers those callbacks set; resolves when the last callback has.
   */
  async advanceTo(target: number | Date): Promise<void> {
    const until = typeof target === 'number' ? target : target.getTime();
    for (let next = this.nextDue(until); next; next = this.nextDue(until)) {
      this.pending.splice(this.pending.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      await next.callback();
    }
    this.time = Math.max(this.time, until);
  }

  /** How many timers are waiting. */
  get timerCount(): number {
    return this.pending.length;
  }

  private nextDue(until: number): Pending | undefined {
    let earliest: Pending | undefined;
    for (const timer of this.pending) {
      if (timer.at > until) continue;
      if (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.sequence < earliest.sequence)) earliest = timer;
    }
    return earliest;
  }
}
