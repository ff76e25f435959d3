import { DomainError } from '../domain/errors.js';

/** How many orders of a customer are PENDING, as the read side shows them now. */
export type PendingOrderCount = (customerId: string) => Promise<number>;

type Waiting = { resolve: () => void; reject: (error: unknown) => void };

/**
 * At most `max` unpaid orders per customer, so one customer cannot hold a product's whole stock with
 * orders it never pays. A placement counts the customer's pending orders on the read side plus its
 * placements still under way on this instance (not visible there yet). A customer's placements are
 * admitted one at a time, so a burst cannot slip past together, while the placements themselves run
 * alongside. Those that arrive while the customer's count is being read wait for the next read and
 * are admitted one by one against it: one read per group, however many there are (a read is a round
 * trip on PostgreSQL, and a customer with a read per placement would get no more placements per
 * second than reads). A placement finishing just then may be counted twice, refusing one near the
 * cap early, never letting one past it. With several instances, a customer could exceed it by the
 * placements under way on the others.
 */
export class PendingOrderCap {
  private readonly underWay = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting[]>();
  /** Reads of a customer's pending orders so far (work done, for tests and benchmarks). */
  countsRead = 0;

  constructor(
    readonly max: number,
    private readonly pendingOf: PendingOrderCount,
  ) {}

  /**
   * Runs `place` for `customerId`, or refuses with FAILED_PRECONDITION when the customer holds `max`
   * pending orders. A retry (`isRetry`: its commandId is recorded) is not counted, and `place` is
   * told, since it answers as the original did. A placement answered before the read side shows it
   * counts as under way until `shown` resolves.
   */
  async run<T>(
    customerId: string,
    place: (isRetry: boolean) => Promise<T>,
    isRetry: () => Promise<boolean>,
    shown: () => Promise<void> = async () => {},
  ): Promise<T> {
    if (await isRetry()) return place(true);
    await this.admit(customerId);
    let placed = false;
    try {
      const result = await place(false);
      placed = true;
      return result;
    } finally {
      if (placed)
        void shown()
          .catch(() => {})
          .finally(() => this.leave(customerId));
      else this.leave(customerId);
    }
  }

  private leave(customerId: string): void {
    const left = this.underWay.get(customerId)! - 1;
    if (left === 0) this.underWay.delete(customerId);
    else this.underWay.set(customerId, left);
  }

  /** Resolves once the placement is counted under way, or rejects when the customer is at the cap. */
  private admit(customerId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(customerId);
      if (queue) return queue.push({ resolve, reject });
      this.waiting.set(customerId, [{ resolve, reject }]);
      void this.admitWaiting(customerId);
    });
  }

  /** Reads the customer's count for each group that waits, until none does. */
  private async admitWaiting(customerId: string): Promise<void> {
    for (let group = this.waiting.get(customerId); group && group.length > 0; group = this.waiting.get(customerId)) {
      // From here on, newcomers wait for the next read: this one may have begun before they came.
      this.waiting.set(customerId, []);
      let pending: number;
      try {
        this.countsRead++;
        pending = await this.pendingOf(customerId);
      } catch (error) {
        for (const placement of group) placement.reject(error);
        continue;
      }
      for (const placement of group) this.admitOne(customerId, pending, placement);
    }
    this.waiting.delete(customerId);
  }

  private admitOne(customerId: string, pending: number, { resolve, reject }: Waiting): void {
    const counted = pending + (this.underWay.get(customerId) ?? 0);
    if (counted >= this.max) {
      reject(
        new DomainError(
          'FAILED_PRECONDITION',
          `Customer ${customerId} has ${counted} unpaid orders, the most a customer may hold; pay or cancel one first`,
          { limit: this.max, pending: counted },
        ),
      );
      return;
    }
    this.underWay.set(customerId, (this.underWay.get(customerId) ?? 0) + 1);
    resolve();
  }
}
