import type { StoredEvent } from '../eventstore/eventStore.js';

/**
 * A read model fed from the log by global position.
 * The factory that builds it creates its tables (idempotently) before preparing its statements.
 * - `apply` runs inside the runner's transaction together with the checkpoint update. It must be
 *   synchronous (never await inside a transaction) and idempotent. It may return a change to
 *   announce once the transaction has committed. Throwing rolls back the whole batch, checkpoint
 *   included, and stops the runner at that event.
 * - `onCommitted` receives the changes of a committed batch, in position order.
 */
export type Projection<Change> = {
  name: string;
  apply(event: StoredEvent): Change | undefined;
  onCommitted?(changes: Change[]): void;
};
