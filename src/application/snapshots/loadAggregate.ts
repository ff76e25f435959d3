import type { Decider } from '../../domain/decider.js';
import type { EventStore, StoredEvent } from '../../eventstore/eventStore.js';
import type { Snapshot, SnapshotStore } from '../../eventstore/snapshotStore.js';

/**
 * A load folds at most `every - 1` events after its snapshot, and each costs about as much as one
 * event of a stream loaded whole (reading it by the (stream_id, version) index, parsing it, folding
 * it: ≈ 3.5 µs), the snapshot row about two. At 4 that tail is at most 3 events, so a stream of any
 * length loads like a fresh one of a few events: issue #4 asks for ≤ 3× a 10-event load, issue 21 for
 * a product 100,000 orders reserved ≤ 2× a fresh product (3 events); `bench/snapshots.ts` and
 * `bench/aging.ts` measure both (10 gave 3.1× on the second, 100 gave 14.5× on the first). The price
 * is one snapshot write (≈ 25 µs, no fsync) per 4 events: for a product the order process appends to
 * once per batch, about one per batch.
 */
export const DEFAULT_SNAPSHOT_EVERY = 4;

/** Events read and folded at a time. */
const PAGE = 1_000;

/** When to take snapshots of an aggregate, where to keep them, and which shape of state they hold. */
export type SnapshotPolicy = {
  store: SnapshotStore;
  /** Save a snapshot once this many events have been folded since the last one. Default DEFAULT_SNAPSHOT_EVERY (4). */
  every?: number;
  /**
   * The version of the state's shape. Bump it whenever State or `evolve` changes what a stream folds
   * to: snapshots of other versions are then ignored, and replaced on the next save.
   */
  stateSchemaVersion: number;
};

export type LoadedAggregate<State> = {
  state: State;
  /** The stream's version (its last event's); 0 for a stream with no events. */
  version: number;
  /** Events folded after the snapshot used; every event of the stream when none was. */
  eventsSinceSnapshot: number;
};

/**
 * The aggregate's current state: the latest usable snapshot plus the events after it, or the whole
 * stream folded over `initialState()` when there is no policy or no usable snapshot. A snapshot of
 * another state schema version, or one ahead of the log, is never used. Snapshot failures fall back
 * to the whole stream (with a console.warn); event store errors propagate.
 */
export async function loadAggregate<State, Command, Event>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  streamId: string,
  snapshots?: SnapshotPolicy,
): Promise<LoadedAggregate<State>> {
  // 1. The latest snapshot of the current state shape, if any.
  const snapshot = snapshots && (await loadSnapshot(snapshots.store, streamId, snapshots.stateSchemaVersion));
  if (snapshots && snapshot) {
    // 2. Read from the snapshot's own version: finding that event proves the log is not behind it.
    const page = await store.readStream(streamId, { fromVersion: snapshot.version, limit: PAGE });
    // The schema version vouches for the stored shape.
    if (page[0]?.version === snapshot.version) return foldPages(store, decider, streamId, snapshot.state as State, page, 1);
    // 3. The log is behind the snapshot: never use it, and drop it before the stream grows past it.
    await discardSnapshot(snapshots.store, snapshot);
  }
  // 4. No usable snapshot: the whole stream.
  return foldPages(store, decider, streamId, decider.initialState(), await store.readStream(streamId, { limit: PAGE }), 0);
}

/**
 * Saves `stateAfter` as the stream's snapshot at `versionAfter` when `eventsSinceSnapshot` (the
 * loaded aggregate's count plus the events just appended) has reached `policy.every`. A snapshot is
 * a cache: a failed save is logged with console.warn, and this never rejects.
 */
export async function saveSnapshotIfDue<State>(
  policy: SnapshotPolicy | undefined,
  streamId: string,
  stateAfter: State,
  versionAfter: number,
  eventsSinceSnapshot: number,
): Promise<void> {
  if (!policy || versionAfter < 1 || eventsSinceSnapshot < (policy.every ?? DEFAULT_SNAPSHOT_EVERY)) return;
  try {
    await policy.store.save({
      streamId,
      version: versionAfter,
      stateSchemaVersion: policy.stateSchemaVersion,
      state: stateAfter,
      takenAt: new Date().toISOString(),
    });
  } catch (error) {
    console.warn(`Snapshot of ${streamId} at version ${versionAfter} not saved; loads fold more events until one is`, error);
  }
}

/**
 * Folds `page` (from its `skip`-th event on) and the stream's later events, a page at a time: a
 * stream of any length is never held in memory whole.
 */
async function foldPages<State, Command, Event>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  streamId: string,
  from: State,
  firstPage: readonly StoredEvent[],
  skip: number,
): Promise<LoadedAggregate<State>> {
  let state = from;
  let version = firstPage[0]?.version ?? 0;
  let folded = 0;
  for (let page = firstPage, start = skip; ; start = 0) {
    for (let index = start; index < page.length; index++) state = decider.evolve(state, page[index] as unknown as Event);
    folded += Math.max(0, page.length - start);
    version = page.at(-1)?.version ?? version;
    if (page.length < PAGE) return { state, version, eventsSinceSnapshot: folded };
    page = await store.readStream(streamId, { fromVersion: version + 1, limit: PAGE });
  }
}

async function loadSnapshot(store: SnapshotStore, streamId: string, stateSchemaVersion: number): Promise<Snapshot | undefined> {
  try {
    return await store.load(streamId, stateSchemaVersion);
  } catch (error) {
    console.warn(`Snapshot of ${streamId} not loaded; folding the whole stream`, error);
    return undefined;
  }
}

async function discardSnapshot(store: SnapshotStore, snapshot: Snapshot): Promise<void> {
  try {
    await store.discard(snapshot.streamId, snapshot.version);
  } catch (error) {
    console.warn(`Snapshot of ${snapshot.streamId} at version ${snapshot.version} is ahead of the log and could not be deleted`, error);
  }
}
