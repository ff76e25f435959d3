/**
 * Runs `read`, a read-model query that may be async, after `subscription` has attached to its feed, so
 * nothing published while the query runs is missed. Detaches the subscription if `read` throws
 * (NOT_FOUND, a storage fault): the subscribe fails and nothing else would end it.
 */
export async function readAfterAttaching<R>(subscription: { return(): Promise<unknown> }, read: () => Promise<R>): Promise<R> {
  try {
    return await read();
  } catch (error) {
    void subscription.return();
    throw error;
  }
}
