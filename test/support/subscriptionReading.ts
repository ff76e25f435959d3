import type { GraphQLResponse } from './graphqlClient.js';

/** The next message's data; fails on an error or the end of the subscription. */
export async function nextData<Data>(iterator: AsyncIterator<GraphQLResponse<Data>>): Promise<Data> {
  const { value, done } = await iterator.next();
  if (done) throw new Error('The subscription ended');
  if (value.errors?.length || !value.data) throw new Error(`Subscription error: ${JSON.stringify(value.errors)}`);
  return value.data;
}

/**
 * Reads a subscription in the background into `items` until stopped. Errors go into `errors`: error
 * messages, and the error a connection ends with (a killed server), which is recorded, not thrown.
 */
export function collect<Data, Item extends { position: number }>(
  iterator: AsyncIterableIterator<GraphQLResponse<Data>>,
  pick: (data: Data) => Item,
) {
  const items: Item[] = [];
  const errors: unknown[] = [];
  const reading = (async () => {
    for await (const result of iterator) {
      if (result.errors) errors.push(result.errors);
      else if (result.data) items.push(pick(result.data));
    }
  })().catch((error: unknown) => errors.push(error));
  return {
    items,
    errors,
    /** The position of the last item received; 0 before any. */
    last: () => items.at(-1)?.position ?? 0,
    async stop() {
      await iterator.return?.();
      await reading;
    },
  };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** first, first + 1, …, last. */
export function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
