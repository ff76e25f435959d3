/**
 * Replays take turns: one page at a time across every subscription of the server, with a turn of
 * the event loop (its I/O included) between two pages. Yielding inside each replay is not enough:
 * eighty replays that each yield still run eighty pages back to back once their turns come together.
 * So the loop is never held longer than one page, however many replays run.
 */
let previousTurn: Promise<void> = Promise.resolve();

/** The server's one queue of replay pages. */
export const replayTurns = {
  /** Runs `page` when its turn comes: once the page before it has ended, on a later turn of the event loop. */
  run<T>(page: () => Promise<T>): Promise<T> {
    // setImmediate runs on the next loop iteration, after its poll for I/O.
    const turn = previousTurn.then(() => new Promise((resolve) => setImmediate(resolve))).then(page);
    // The next turn waits for this one to end, however it ends, without holding on to its page.
    previousTurn = turn.then(
      () => {},
      () => {},
    );
    return turn;
  },
};
