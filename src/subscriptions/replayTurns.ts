/**
 * Replays take turns: one page at a time across every subscription of the server, with a turn of
 * the event loop (its I/O included) between two pages. Yielding inside each replay is not enough:
 * eighty replays that each yield still run eighty pages back to back once their turns come together.
 * So the loop is never held longer than one page, however many replays run.
 */
export class ReplayTurns {
  private readonly waiting: (() => void)[] = [];
  private busy = false;

  /** Runs `page` when its turn comes; the next turn starts on a later turn of the event loop. */
  async run<T>(page: () => Promise<T>): Promise<T> {
    await this.take();
    try {
      return await page();
    } finally {
      // setImmediate from here runs on the next loop iteration, after its poll for I/O.
      setImmediate(() => this.hand());
    }
  }

  private take(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private hand(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

/** The server's one queue of replay pages. */
export const replayTurns = new ReplayTurns();
