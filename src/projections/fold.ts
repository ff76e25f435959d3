import type { StoredEvent } from '../eventstore/eventStore.js';
import { BatchPlan } from './batchPlan.js';
import type { DocumentRows, ReadModel } from './readModel.js';

/**
 * A read model's `evolve` run in memory over `events` (one stream's, in version order, or any
 * events in position order): for time travel, a mutation's answer and subscription replays, so they
 * and the live tables never disagree on what an event means.
 */
export function foldInMemory<Doc extends DocumentRows, Change>(
  model: ReadModel<Doc, Change>,
  events: readonly StoredEvent[],
  { announce }: { announce: boolean },
): { document(key: string): Doc | undefined; changes: Change[] } {
  const plan = new BatchPlan<Change>(model, events, announce);
  plan.evolve(new Map());
  return { document: (key) => plan.document(key) as Doc | undefined, changes: plan.changes };
}
