/**
 * How many events one caller (a token's subject) may read from the log per second through the log
 * queries (`events`, `correlation`). A page of 1,000 events costs the server's one thread about 15 ms
 * to read and send, so five staff connections paging the whole log in a loop took placeOrder from 799
 * to 65 req/s. A read reserves what it may return, and gives back what it did not (it costs at least
 * `minimumCharge`: a read of nothing costs a statement too); a caller that has spent more than its
 * burst waits until the budget has paid it back. Its requests are answered later, never refused, and
 * it takes a bounded share of the thread; one within its budget waits for nothing.
 */
export class LogReadBudget {
  /** Per caller: when its spending is paid back (ms; the virtual time of the next free read). */
  private readonly paidBackAt = new Map<string, number>();
  /** Reads that waited for the budget (work done, for tests and metrics). */
  waited = 0;

  readonly eventsPerSecond: number;
  /** Events a caller may have read ahead of its budget before it waits; as many as a second's. */
  readonly burst: number;
  /** What a read costs at least: a read of nothing costs a statement too. */
  readonly minimumCharge: number;
  private readonly now: () => number;
  /** Told of each read that waits (/metrics). */
  private readonly onWait: () => void;

  constructor(options: { eventsPerSecond?: number; burst?: number; minimumCharge?: number; now?: () => number; onWait?: () => void } = {}) {
    this.eventsPerSecond = options.eventsPerSecond ?? 10_000;
    this.burst = options.burst ?? this.eventsPerSecond;
    this.minimumCharge = options.minimumCharge ?? 10;
    this.now = options.now ?? Date.now;
    this.onWait = options.onWait ?? (() => {});
  }

  /**
   * Reserves `events` (what the read may return at most) for `caller`, and resolves once it may read
   * them: at once within its burst, else when its spending is paid back that far. Reserved when
   * called, so concurrent reads of one caller queue one after another instead of all passing together.
   */
  async take(caller: string, events: number): Promise<void> {
    const now = this.now();
    const cost = Math.max(events, this.minimumCharge) * this.msPerEvent;
    const paidBackAt = this.paidBackAt.get(caller) ?? now;
    const startsAt = Math.max(now, paidBackAt - this.burst * this.msPerEvent);
    this.paidBackAt.set(caller, Math.max(paidBackAt, startsAt) + cost);
    if (this.paidBackAt.size > 1000) this.forgetPaidBack(now);
    if (startsAt <= now) return;
    this.waited++;
    this.onWait();
    await new Promise((resolve) => setTimeout(resolve, startsAt - now));
  }

  /** Runs `read` of at most `events` events within `caller`'s budget; a read that fails costs the minimum. */
  async reading<T extends readonly unknown[]>(caller: string, events: number, read: () => Promise<T>): Promise<T> {
    await this.take(caller, events);
    let returned = 0;
    try {
      const found = await read();
      returned = found.length;
      return found;
    } finally {
      this.refund(caller, events, returned);
    }
  }

  /** Gives back what a read reserved with `take(caller, reserved)` and did not return (`returned` events). */
  refund(caller: string, reserved: number, returned: number): void {
    const unused = Math.max(reserved, this.minimumCharge) - Math.max(returned, this.minimumCharge);
    const paidBackAt = this.paidBackAt.get(caller);
    if (paidBackAt !== undefined && unused > 0) this.paidBackAt.set(caller, paidBackAt - unused * this.msPerEvent);
  }

  private get msPerEvent(): number {
    return 1000 / this.eventsPerSecond;
  }

  private forgetPaidBack(now: number): void {
    for (const [caller, at] of this.paidBackAt) if (at <= now) this.paidBackAt.delete(caller);
  }
}
