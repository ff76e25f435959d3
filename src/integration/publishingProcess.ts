import type { ProcessDefinition } from '../processes/process.js';
import type { EventPublisher } from './eventPublisher.js';

/** Up to this many events are in flight to the broker before the checkpoint moves. */
const BATCH_SIZE = 200;

/**
 * The log as the outbox: every event, in position order from a checkpoint that moves only after the
 * broker's acknowledgement. While the broker is down or slow it retries with backoff (its lag shows
 * in `projections`); commands never wait for it.
 */
export function publishingProcess(name: string, publisher: EventPublisher): ProcessDefinition {
  return {
    name,
    handles: 'all',
    batchSize: BATCH_SIZE,
    retryBackoff: { initialMs: 250, maxMs: 10_000 },
    handle: (events) => publisher.publish(events),
  };
}
