type Group<V> = { keys: Set<string>; result: Promise<ReadonlyMap<string, V>> };

/**
 * Reads by key, one at a time: the keys asked for while a read runs go together in the next one.
 * Each caller gets a read that began after it asked, as if it had read alone, and a burst of callers
 * costs one read per round trip instead of one each (on PostgreSQL a read is a round trip; fifty
 * placements at once priced their lines with fifty statements). A key the read does not answer is
 * absent from the caller's map; a failed read fails every caller of its group.
 */
export class GroupedReads<V> {
  private waiting: Group<V> | undefined;
  private latest: Promise<unknown> = Promise.resolve();
  /** Reads made (work done, for tests). */
  reads = 0;

  constructor(private readonly read: (keys: string[]) => Promise<ReadonlyMap<string, V>>) {}

  async get(keys: readonly string[]): Promise<Map<string, V>> {
    const group = this.waiting ?? this.nextGroup();
    for (const key of keys) group.keys.add(key);
    const found = await group.result;
    const answer = new Map<string, V>();
    for (const key of keys) if (found.has(key)) answer.set(key, found.get(key)!);
    return answer;
  }

  private nextGroup(): Group<V> {
    const keys = new Set<string>();
    const group: Group<V> = {
      keys,
      // After the read before it (whatever its outcome), on a later turn: callers of this turn join.
      result: this.latest.then(
        () => this.readGroup(group),
        () => this.readGroup(group),
      ),
    };
    this.waiting = group;
    this.latest = group.result.catch(() => {});
    return group;
  }

  private readGroup(group: Group<V>): Promise<ReadonlyMap<string, V>> {
    // From here on, callers wait for the next read: this one has begun.
    if (this.waiting === group) this.waiting = undefined;
    this.reads++;
    return this.read([...group.keys]);
  }
}
