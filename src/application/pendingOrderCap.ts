import { KeyedQueue } from '../concurrency/keyedQueue.js';
import { DomainError } from '../domain/errors.js';

/** How many orders of a customer are PENDING, as the read side shows them now. */
export type PendingOrderCount = (customerId: string) => Promise<number>;

/**
 * At most `max` unpaid orders per customer, so one customer cannot hold a product's whole stock with
 * orders it never pays. A placement counts the customer's pending orders on the read side plus its
 * placements still under way on this instance (not visible there yet); the counts of one customer
 * are taken one at a time, so a burst cannot slip past together, while the placements themselves
 * run alongside. A placement finishing just then may be counted twice, refusing one near the cap
 * early, never letting one past it. With several instances, a customer could exceed it by the
 * placements under way on the others.
 */
export class PendingOrderCap {
  private readonly counts = new KeyedQueue();
  private readonly underWay = new Map<string, number>();

  constructor(
    readonly max: number,
    private readonly pendingOf: PendingOrderCount,
  ) {}

  /**
   * Runs `place` for `customerId`, or refuses with FAILED_PRECONDITION when the customer holds `max`
   * pending orders. A retry (`isRetry`: its commandId is recorded) is not counted, and `place` is
   * told, since it answers as the original did.
   */
  async run<T>(customerId: string, place: (isRetry: boolean) => Promise<T>, isRetry: () => Promise<boolean>): Promise<T> {
    if (await isRetry()) return place(true);
    await this.counts.run(customerId, async () => {
      const pending = (await this.pendingOf(customerId)) + (this.underWay.get(customerId) ?? 0);
      if (pending >= this.max) {
        throw new DomainError(
          'FAILED_PRECONDITION',
          `Customer ${customerId} has ${pending} unpaid orders, the most a customer may hold; pay or cancel one first`,
          { limit: this.max, pending },
        );
      }
      this.underWay.set(customerId, (this.underWay.get(customerId) ?? 0) + 1);
    });
    try {
      return await place(false);
    } finally {
      const left = this.underWay.get(customerId)! - 1;
      if (left === 0) this.underWay.delete(customerId);
      else this.underWay.set(customerId, left);
    }
  }
}
