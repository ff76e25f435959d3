/**
 * An aggregate's state as it was right after event `version` of its stream: a cache that spares a
 * load from folding the whole stream. Deleting every snapshot changes no answer, only load times.
 */
export type Snapshot<State = unknown> = {
  streamId: string;
  /** The stream version the state was folded up to (the version of the last event in it). */
  version: number;
  /** The version of the state's shape. A snapshot of another shape is never read as this one. */
  stateSchemaVersion: number;
  /** Plain data that survives a JSON round trip (no Date, Map, undefined fields or class instances). */
  state: State;
  /** ISO 8601 time the snapshot was saved. */
  takenAt: string;
};

/**
 * Where snapshots are kept: one per stream, beside the log. Every method rejects with
 * `StorageUnavailableError` (code SERVICE_UNAVAILABLE) when the storage cannot be used; callers treat
 * that as a cache miss or a skipped save, never as a failed command.
 */
export interface SnapshotStore {
  /**
   * The stream's snapshot if it has this state schema version; undefined when there is none, or the
   * stored one has another schema version. It may be ahead of the log (a log restored from an
   * export): the caller checks it against the stream before using it.
   */
  load(streamId: string, stateSchemaVersion: number): Promise<Snapshot | undefined>;

  /**
   * Upserts the stream's snapshot. A stored snapshot of the same state schema version and a higher
   * version is kept (a slower writer cannot move it back); one of another schema version is
   * replaced whatever its version. Rejects with TypeError when `state` is not JSON.
   */
  save(snapshot: Snapshot): Promise<void>;

  /**
   * Deletes the stream's snapshot if it is still the one at `version` (so a newer one saved in the
   * meantime stays). For a snapshot found ahead of the log: left in place, it would be read as
   * current once the stream grows past it again, though those would be other events.
   */
  discard(streamId: string, version: number): Promise<void>;

  /** Deletes every snapshot. Loads then fold whole streams until new snapshots are saved. */
  deleteAll(): Promise<void>;
}
