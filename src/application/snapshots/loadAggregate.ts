import type { Decider } from '../../domain/decider.js';
import type { EventStore, StoredEvent } from '../../eventstore/eventStore.js';
import type { Snapshot, SnapshotStore } from '../../eventstore/snapshotStore.js';

/**
 * A load folds at most `every - 1` events after its snapshot, and each costs about as much as one
 * event of a stream loaded whole (reading it by the (stream_id, version) index, parsing it, folding
 * it). At 10 that tail is never longer than a 10-event stream, so loading a stream of any length
 * costs about one 10-event load plus the snapshot row: issue #4 asks for at most 3× that load, and
 * `bench/snapshots.ts` measures 1.7× at 100,000 events (100 gave 14.5×, 20 gave 3.1×). The price is
 * one snapshot write (≈ 25 µs, no fsync) per 10 events.
 */
export const DEFAULT_SNAPSHOT_EVERY = 10;

/** When to take snapshots of an aggregate, where to keep them, and which shape of state they hold. */
export type SnapshotPolicy = {
  store: SnapshotStore;
  /** Save a snapshot once this many events have been folded since the last one. Default DEFAULT_SNAPSHOT_EVERY (10). */
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
    const events = await store.readStream(streamId, { fromVersion: snapshot.version });
    if (events[0]?.version === snapshot.version) {
      // The schema version vouches for the stored shape.
      return fold(decider, snapshot.state as State, snapshot.version, events, 1);
    }
    // 3. The log is behind the snapshot: never use it, and drop it before the stream grows past it.
    await discardSnapshot(snapshots.store, snapshot);
  }
  // 4. No usable snapshot: the whole stream.
  return fold(decider, decider.initialState(), 0, await store.readStream(streamId), 0);
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

function fold<State, Command, Event>(
  decider: Decider<State, Command, Event>,
  from: State,
  fromVersion: number,
  events: readonly StoredEvent[],
  skip: number,
): LoadedAggregate<State> {
  let state = from;
  for (let index = skip; index < events.length; index++) {
    state = decider.evolve(state, events[index] as unknown as Event);
  }
  return { state, version: events.at(-1)?.version ?? fromVersion, eventsSinceSnapshot: events.length - skip };
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
