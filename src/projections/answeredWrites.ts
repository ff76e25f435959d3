import { ReadModelUnavailableError, type ReadSideEngine } from './contracts.js';

/**
 * Read-your-writes where the mutation does not wait. A new order is answered from its own events
 * (runCommand) and its position noted here; a read of the read models on this instance first waits
 * until the order view shows the newest position noted, as the mutation itself used to wait. So a
 * query after a mutation still sees it, and the mutation's latency no longer holds the batch that
 * shows it (on PostgreSQL, another instance's batch and its NOTIFY). A read while the order view is
 * there already waits for nothing. A read model that stopped (or cannot catch up in time) does not
 * stop the reads: they show what it has, as they do for everyone else, and its status says why.
 */
export class AnsweredWrites {
  private newest = 0;
  private shownUpTo = 0;
  /**
   * The newest position whose wait has ended: every live read model shows the changes noted up to
   * it, unless one failed, was on its first build or did not catch up in time.
   */
  waitedUpTo = 0;
  /** The wait under way, which every read asking for no more than its position shares. */
  private waiting: { position: number; done: Promise<void> } | undefined;

  constructor(
    private readonly projections: Pick<ReadSideEngine, 'waitFor'>,
    private readonly projection = 'orderView',
  ) {}

  /** A mutation answered the change at `position` without waiting for the read models. */
  noted(position: number): void {
    this.newest = Math.max(this.newest, position);
  }

  /** Resolves once the order view shows every change noted so far (or cannot). */
  shown(): Promise<void> {
    const position = this.newest;
    if (position <= this.shownUpTo) return Promise.resolve();
    // One wait (and one wake-up of the read side) for the reads of a moment, not one each.
    if (!this.waiting || this.waiting.position < position) this.waiting = { position, done: this.waitFor(position) };
    return this.waiting.done;
  }

  private async waitFor(position: number): Promise<void> {
    try {
      await this.projections.waitFor(position, [this.projection]);
      this.shownUpTo = Math.max(this.shownUpTo, position);
    } catch (error) {
      if (!(error instanceof ReadModelUnavailableError)) throw error;
    } finally {
      this.waitedUpTo = Math.max(this.waitedUpTo, position);
    }
  }

  /** `queries` with each method reading once shown() resolves. */
  readAfter<T extends object>(queries: T): T {
    return new Proxy(queries, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await this.shown();
          return value.apply(target, args);
        };
      },
    });
  }
}
