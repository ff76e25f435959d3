import type { Snapshot, SnapshotStore } from './snapshotStore.js';

/**
 * A snapshot store that keeps the latest snapshot of the streams used most recently in memory, in
 * front of another that keeps them all: a command on a busy stream (a product every order reserves)
 * loads its state without reading and parsing it again. States are values (the deciders' `evolve`
 * makes new ones and changes none), so one object can serve every load.
 *
 * Every save is kept here; the other store gets a stream's first save and then one every
 * `storeEvery` versions, so a large state (a product with thousands of open reservations) is not
 * serialised and written for every batch. After a restart a load folds at most that many events more.
 */
export class RecentSnapshots implements SnapshotStore {
  /** By stream id, most recently used last: the first is the one to let go. */
  private readonly recent = new Map<string, Snapshot>();
  /** The version of each stream's snapshot this process last wrote to the other store. */
  private readonly storedVersions = new Map<string, number>();

  constructor(
    private readonly stored: SnapshotStore,
    private readonly options: { capacity?: number; storeEvery?: number } = {},
  ) {}

  async load(streamId: string, stateSchemaVersion: number): Promise<Snapshot | undefined> {
    const kept = this.recent.get(streamId);
    if (kept?.stateSchemaVersion === stateSchemaVersion) {
      this.keep(kept);
      return kept;
    }
    const snapshot = await this.stored.load(streamId, stateSchemaVersion);
    if (snapshot) this.keep(snapshot);
    return snapshot;
  }

  async save(snapshot: Snapshot): Promise<void> {
    const storedVersion = this.storedVersions.get(snapshot.streamId);
    if (storedVersion === undefined || snapshot.version - storedVersion >= (this.options.storeEvery ?? 64)) {
      await this.stored.save(snapshot);
      this.storedVersions.set(snapshot.streamId, snapshot.version);
    }
    // As the store does: a slower writer's older snapshot of the same shape does not replace a newer one.
    const kept = this.recent.get(snapshot.streamId);
    if (!kept || kept.stateSchemaVersion !== snapshot.stateSchemaVersion || kept.version < snapshot.version) this.keep(snapshot);
  }

  async discard(streamId: string, version: number): Promise<void> {
    if (this.recent.get(streamId)?.version === version) this.recent.delete(streamId);
    this.storedVersions.delete(streamId);
    await this.stored.discard(streamId, version);
  }

  async deleteAll(): Promise<void> {
    this.recent.clear();
    this.storedVersions.clear();
    await this.stored.deleteAll();
  }

  private keep(snapshot: Snapshot): void {
    this.recent.delete(snapshot.streamId);
    this.recent.set(snapshot.streamId, snapshot);
    if (this.recent.size <= (this.options.capacity ?? 2_000)) return;
    const oldest = this.recent.keys().next().value!;
    this.recent.delete(oldest);
    this.storedVersions.delete(oldest);
  }
}
