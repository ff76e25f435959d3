import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedCommand,
  RecordedOutcome,
  StoredEvent,
} from './eventStore.js';

/** What one read past the window's end asks for: enough for a busy minute's batches, once. */
const FETCH_LIMIT = 1000;

/**
 * One reader of the log's head for every consumer in this instance. The read models, the order
 * process, payment expiry and the event feed each follow the log by position; on PostgreSQL each of
 * their reads was a statement, so every append was read eight times over. This keeps the latest
 * events read (a window of `capacity`, contiguous by position) and serves a consumer's position read
 * from it; a read that reaches the window's end goes on with one read of what follows, which every
 * caller asking meanwhile shares, so each read returns what the log holds up to its limit, as the
 * store's would. Reads behind the window, and narrowed reads (types, streams), go to the store.
 *
 * Safe because the store's own position reads are: each returns every event up to its last one (the
 * PostgreSQL log returns only settled transactions, never a later event before an earlier one still
 * committing), so the window holds no gap a later read could fill. Events are shared between
 * consumers: none may change one (they are frozen).
 */
export class RecentLogWindow implements EventStore {
  /** Every event of the log with a position in (`start`, `end`], in order. */
  private window: StoredEvent[] = [];
  private start = -1;
  /** Reads after it extend the window. */
  private end = -1;
  private fetching: { done: Promise<void>; number: number } | undefined;
  /** How many reads of what follows the window have begun. */
  private fetchesBegun = 0;
  /**
   * The number of reads begun when the log was last known to have moved (an append here, a
   * notification of one elsewhere): a read begun after that saw it, so every caller since may trust it.
   */
  private movedAt = 0;
  private served = 0;
  private fetched = 0;

  constructor(
    private readonly inner: EventStore,
    private readonly capacity = 4 * FETCH_LIMIT,
  ) {}

  /** Position reads the window answered, and the reads of the log it made for them: what it saves. */
  get counts(): { served: number; fetched: number } {
    return { served: this.served, fetched: this.fetched };
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    if (options.types || options.streamId || options.streamIds) return this.inner.readAll(options);
    const after = options.afterPosition ?? 0;
    const limit = options.limit ?? 1000;
    if (this.end < 0) this.restartAt(after);
    else if (after > this.end) return this.readAhead(options, after);
    const trusted = this.movedAt;
    const events: StoredEvent[] = [];
    let position = after;
    while (events.length < limit) {
      const held = this.slice(position, limit - events.length);
      if (held) {
        events.push(...held);
        position = held.at(-1)!.position;
        continue;
      }
      // Behind the window: the caller reads for itself.
      if (position !== this.end) break;
      try {
        // A read begun before the log last moved may have missed what the caller comes for: wait for a later one.
        while ((await this.extend()) <= trusted && this.end === position);
      } catch {
        // An unreadable event, a fault: the caller reads for itself and handles it as it would.
        break;
      }
      // A read begun after the log last moved found nothing new: the caller is at the head.
      if (this.end === position) return this.counted(events);
    }
    if (events.length > 0) return this.counted(events);
    return this.inner.readAll(options);
  }

  private counted(events: StoredEvent[]): StoredEvent[] {
    this.served++;
    return events;
  }

  /** The window's events after `after`, or undefined when it does not hold the next one. */
  private slice(after: number, limit: number): StoredEvent[] | undefined {
    if (after < this.start || after >= this.end) return undefined;
    // Positions skip the numbers aborted appends drew: find the first one past `after`.
    let low = 0;
    let high = this.window.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.window[middle]!.position <= after) low = middle + 1;
      else high = middle;
    }
    return this.window.slice(low, low + limit);
  }

  private restartAt(position: number): void {
    this.window = [];
    this.start = position;
    this.end = position;
  }

  /**
   * A caller ahead of the window reads for itself. When the log has events there (a consumer
   * starting at the head while the window lags), the window moves to them; a position past the head
   * (an events query or a replay asking for more than there is) moves nothing, so no caller can
   * take the window away from the consumers it serves.
   */
  private async readAhead(options: ReadAllOptions, after: number): Promise<StoredEvent[]> {
    const events = (await this.inner.readAll(options)).map(freeze);
    if (events.length > 0 && !this.fetching && after > this.end) {
      this.restartAt(after);
      this.window = [...events];
      this.end = events.at(-1)!.position;
    }
    return events;
  }

  /** Reads what follows the window's end, once for every caller waiting on it; the read's number. */
  private async extend(): Promise<number> {
    if (this.fetching) {
      const { done, number } = this.fetching;
      await done;
      return number;
    }
    const from = this.end;
    const number = ++this.fetchesBegun;
    const done = (async () => {
      const events = await this.inner.readAll({ afterPosition: from, limit: FETCH_LIMIT });
      this.fetched++;
      if (events.length === 0) return;
      for (const event of events) this.window.push(freeze(event));
      this.end = events.at(-1)!.position;
      if (this.window.length > this.capacity) {
        const dropped = this.window.length - this.capacity;
        this.start = this.window[dropped - 1]!.position;
        this.window = this.window.slice(dropped);
      }
    })().finally(() => {
      this.fetching = undefined;
    });
    this.fetching = { done, number };
    await done;
    return number;
  }

  async append(streamId: string, streamType: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const result = await this.inner.append(streamId, streamType, events, options);
    this.logMoved();
    return result;
  }

  /**
   * The log has moved (appended here, or elsewhere as a notification says): the next read of what
   * follows the window is one every caller from now on can trust to show it. Call before waking the
   * log's readers.
   */
  logMoved(): void {
    this.movedAt = this.fetchesBegun;
  }

  findCommand(commandId: string): Promise<RecordedCommand | undefined> {
    return this.inner.findCommand(commandId);
  }

  findCommands(commandIds: readonly string[]): Promise<Map<string, RecordedOutcome>> {
    return this.inner.findCommands(commandIds);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readCorrelation(correlationId: string, options?: { limit?: number }): Promise<StoredEvent[]> {
    return this.inner.readCorrelation(correlationId, options);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function freeze(event: StoredEvent): StoredEvent {
  Object.freeze(event.data);
  Object.freeze(event.metadata);
  return Object.freeze(event);
}
