/**
 * The rows a writer wrote or read most recently, at most `capacity` of them, by key: a batch finds
 * the documents and figures of the last few batches here instead of reading them back. Only valid
 * while no one else writes the tables (see SqliteReadModelWriter).
 */
export class RecentRows<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  get(key: string): T | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Most recently used last: the first entry is the one to evict.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
