import type { Snapshot, SnapshotStore } from './snapshotStore.js';

/**
 * A snapshot store that keeps the latest snapshot of the streams used most recently in memory, in
 * front of another that keeps them all: a command on a busy stream (a product every order reserves)
 * loads its state without reading and parsing it again. Saves go to both. States are values (the
 * deciders' `evolve` makes new ones and changes none), so one object can serve every load.
 */
export class RecentSnapshots implements SnapshotStore {
  /** By stream id, most recently used last: the first is the one to let go. */
  private readonly recent = new Map<string, Snapshot>();

  constructor(
    private readonly stored: SnapshotStore,
    private readonly capacity = 2_000,
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
    await this.stored.save(snapshot);
    // As the store does: a slower writer's older snapshot of the same shape does not replace a newer one.
    const kept = this.recent.get(snapshot.streamId);
    if (!kept || kept.stateSchemaVersion !== snapshot.stateSchemaVersion || kept.version < snapshot.version) this.keep(snapshot);
  }

  async discard(streamId: string, version: number): Promise<void> {
    if (this.recent.get(streamId)?.version === version) this.recent.delete(streamId);
    await this.stored.discard(streamId, version);
  }

  async deleteAll(): Promise<void> {
    this.recent.clear();
    await this.stored.deleteAll();
  }

  private keep(snapshot: Snapshot): void {
    this.recent.delete(snapshot.streamId);
    this.recent.set(snapshot.streamId, snapshot);
    if (this.recent.size > this.capacity) this.recent.delete(this.recent.keys().next().value!);
  }
}
