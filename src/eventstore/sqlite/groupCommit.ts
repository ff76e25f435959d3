import type Database from 'better-sqlite3';

/**
 * When a group of appends is written:
 * - `setImmediate` (default): every append that arrives before the event loop's next check phase, i.e.
 *   all the requests one poll of the sockets delivered, whatever awaits each ran through first;
 * - `microtask`: only those that arrive before the current job's microtasks run out;
 * - `off`: each append alone, in its own transaction, at once (the behaviour before group commit).
 */
export type GroupCommitMode = 'setImmediate' | 'microtask' | 'off';

type Pending<T> = {
  work: () => T;
  keys: readonly string[];
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
};

/** A group's transaction was rolled back as a whole: by a failed COMMIT, or by SQLite itself. */
class GroupFailed extends Error {
  constructor(readonly reason: unknown) {
    super('The group commit was rolled back', { cause: reason });
  }
}

/**
 * Group commit for one better-sqlite3 connection: units of write work that arrive together run in ONE
 * `BEGIN IMMEDIATE` transaction and share one COMMIT (one fsync under synchronous=FULL).
 *
 * - A unit that throws rejects alone, with its own error; the others go on and commit. So a unit must
 *   throw only before it writes, or write in one statement (SQLite undoes a failed statement), or
 *   wrap several writes in `db.transaction()` (a SAVEPOINT inside the group). A savepoint for every
 *   unit would cost a quarter of an append's time, and most appends write one row.
 * - Every promise settles only after the COMMIT (or the rollback) returns: nothing is answered that
 *   power loss could still take away.
 * - When BEGIN or COMMIT fails, or SQLite rolls the whole transaction back under a unit (disk full,
 *   I/O error), every unit of the group rejects with that error (passed through `mapFailure`) and
 *   nothing of the group is written.
 * - A unit submitted while the connection is inside a transaction already (a caller's
 *   `db.transaction(fn)` calling in synchronously) runs at once as a savepoint of that transaction,
 *   which then decides when it commits.
 * - Each unit names `keys` (its stream, its idempotency key): `flushIfWaiting(key)` writes the waiting
 *   group at once when a unit of it has that key, so a reader of the key sees the group's outcome.
 *
 * `work` must be synchronous (better-sqlite3 is); its transaction never spans an await.
 */
export class GroupCommit {
  private pending: Pending<unknown>[] = [];
  private readonly pendingKeys = new Set<string>();
  private scheduled = false;
  private readonly runAlone: (work: () => unknown) => unknown;
  private readonly runGroup: (group: readonly Pending<unknown>[]) => ({ ok: true; value: unknown } | { ok: false; error: unknown })[];

  constructor(
    private readonly db: Database.Database,
    private readonly mode: GroupCommitMode = 'setImmediate',
    private readonly mapFailure: (error: unknown) => unknown = (error) => error,
  ) {
    // better-sqlite3's transactions: BEGIN IMMEDIATE … COMMIT outside a transaction, SAVEPOINT … RELEASE
    // (ROLLBACK TO on a throw) inside one; a throw after SQLite rolled everything back just propagates.
    const unit = db.transaction((work: () => unknown) => work());
    this.runAlone = (work) => unit.immediate(work);
    const group = db.transaction((units: readonly Pending<unknown>[]) =>
      units.map(({ work }) => {
        try {
          return { ok: true as const, value: work() };
        } catch (error) {
          // SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR …): the group is lost.
          if (!db.inTransaction) throw new GroupFailed(error);
          return { ok: false as const, error };
        }
      }),
    );
    this.runGroup = (units) => group.immediate(units);
  }

  /** Runs `work` in the next group; settles after that group's COMMIT. */
  submit<T>(work: () => T, keys: readonly string[] = []): Promise<T> {
    if (this.mode === 'off' || this.db.inTransaction) {
      try {
        return Promise.resolve(this.runAlone(work) as T);
      } catch (error) {
        return Promise.reject(this.mapFailure(error));
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, keys, resolve: resolve as (value: unknown) => void, reject });
      for (const key of keys) this.pendingKeys.add(key);
      if (this.scheduled) return;
      this.scheduled = true;
      if (this.mode === 'microtask') queueMicrotask(() => this.flush());
      else setImmediate(() => this.flush());
    });
  }

  /** Writes the waiting group now when a unit of it has `key`; true when it did. */
  flushIfWaiting(key: string): boolean {
    if (!this.pendingKeys.has(key)) return false;
    this.flush();
    return true;
  }

  /** Writes the waiting group now (e.g. before the connection closes). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    if (this.db.inTransaction) {
      // Never inside a caller's transaction: its commit, not ours, would decide. Right after it, then.
      this.scheduled = true;
      setImmediate(() => this.flush());
      return;
    }
    const group = this.pending;
    this.pending = [];
    this.pendingKeys.clear();
    if (group.length === 1) {
      // A group of one needs no savepoint: its own transaction is the same thing, cheaper.
      const [only] = group as [Pending<unknown>];
      try {
        only.resolve(this.runAlone(only.work));
      } catch (error) {
        only.reject(this.mapFailure(error));
      }
      return;
    }
    let outcomes: ReturnType<typeof this.runGroup>;
    try {
      outcomes = this.runGroup(group);
    } catch (error) {
      const failure = this.mapFailure(error instanceof GroupFailed ? error.reason : error);
      for (const { reject } of group) reject(failure);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const { resolve, reject } = group[index]!;
      if (outcome.ok) resolve(outcome.value);
      else reject(this.mapFailure(outcome.error));
    });
  }
}
