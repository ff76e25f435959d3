import type { EventStore } from '../eventstore/eventStore.js';
import type { ProjectionStatus } from './contracts.js';
import { UnreadableEventError } from '../eventstore/upcasting/unreadableEventError.js';

/**
 * How far a read model at `position` is behind the head: in events, and in the age of the oldest
 * event it has not applied (0 when caught up; unknown, so 0, when that event cannot be read: the
 * runner reports it).
 */
export async function lagBehind(
  store: Pick<EventStore, 'readAll'>,
  position: number,
  headPosition: number,
): Promise<{ lagEvents: number; lagMs: number }> {
  const lagEvents = Math.max(0, headPosition - position);
  if (lagEvents === 0) return { lagEvents, lagMs: 0 };
  try {
    const [next] = await store.readAll({ afterPosition: position, limit: 1 });
    return { lagEvents, lagMs: next ? Math.max(0, Date.now() - Date.parse(next.metadata.occurredAt)) : 0 };
  } catch (error) {
    if (error instanceof UnreadableEventError) return { lagEvents, lagMs: 0 };
    throw error;
  }
}

/** A read model's status: what it shows, and how far behind the head `headPosition` that is. */
export async function statusWithLag(
  store: Pick<EventStore, 'readAll'>,
  shown: Omit<ProjectionStatus, 'headPosition' | 'lagEvents' | 'lagMs'>,
  headPosition: number,
): Promise<ProjectionStatus> {
  return { ...shown, headPosition, ...(await lagBehind(store, shown.position, headPosition)) };
}
