import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, print } from 'graphql';
import type { GraphQLContext } from './context.js';

/** Per published change: execution key → the result every subscriber with that key receives. */
const resultsByChange = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();

/**
 * A graphql-ws `subscribe` executing the selection once per change for all subscribers who asked
 * the same thing: same document, operation and variables, and the same role and customer (the only
 * parts of the caller a result can depend on). A feed publishes the same change object to every
 * subscriber, so the change object keys the cache and the cache lives exactly as long as the change.
 * Replayed changes are each subscriber's own objects, and are executed for it alone.
 */
export function subscribeSharingExecution(onExecute: () => void = () => undefined) {
  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const key = executionKey(args);
    const run = (change: unknown) => {
      onExecute();
      return execute({ ...args, rootValue: change });
    };
    return new MappedIterator(source[Symbol.asyncIterator](), (change) => {
      if (typeof change !== 'object' || change === null) return run(change);
      let results = resultsByChange.get(change);
      if (!results) {
        results = new Map();
        resultsByChange.set(change, results);
      }
      let result = results.get(key);
      if (!result) {
        result = run(change);
        results.set(key, result);
      }
      return result;
    });
  };
}

function executionKey(args: ExecutionArgs): string {
  const principal = (args.contextValue as Partial<GraphQLContext> | undefined)?.principal;
  const caller = principal ? `${principal.role}:${principal.role === 'customer' ? principal.customerId : ''}` : '';
  return JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? {}, caller]);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** The source's items through `map`, passing return() on so the source subscription is closed. */
class MappedIterator<T> implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly map: (item: T) => Promise<ExecutionResult> | ExecutionResult,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    const item = await this.source.next();
    if (item.done) return { value: undefined, done: true };
    return { value: await this.map(item.value), done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}
