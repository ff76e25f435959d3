/**
 * The rows a writer set most recently (each row a batch touched), at most `capacity` of them, by key: a batch finds
 * the documents and figures of the last few batches here instead of reading them back. Only valid
 * while no one else writes the tables (see SqliteReadModelWriter).
 */
export class RecentRows<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  /** Reading does not make a row recent: the writer sets every row a batch touched once it is worked out. */
  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    // Most recently set last: the first entry is the one to evict.
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
