import type { EventStore, StoredEvent } from '../../src/eventstore/eventStore.js';

/**
 * A reader as the projection engine is one: it reads the log by position (`readAll` after the last
 * position it saw) whenever it is woken, and on a poll timer when `pollMs` is set. Wake-ups that
 * arrive during a read cause one more read, never a parallel one.
 */
export class LogTail {
  readonly seen: StoredEvent[] = [];
  readonly errors: unknown[] = [];
  private position = 0;
  private reading: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: EventStore,
    { pollMs }: { pollMs?: number } = {},
  ) {
    if (pollMs !== undefined) this.timer = setInterval(() => this.wake(), pollMs);
  }

  wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readOn().finally(() => {
      this.reading = undefined;
    });
  }

  /** Resolves once the reader has seen `position`; rejects after `timeoutMs` (it does not wake itself). */
  async until(position: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.position < position) {
      if (Date.now() > deadline) {
        throw new Error(`The reader stopped at position ${this.position}, short of ${position} (errors: ${this.errors.length})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
  }

  private async readOn(): Promise<void> {
    do {
      this.again = false;
      try {
        for (;;) {
          const events = await this.store.readAll({ afterPosition: this.position });
          if (events.length === 0) break;
          this.seen.push(...events);
          this.position = events.at(-1)!.position;
        }
      } catch (error) {
        this.errors.push(error);
      }
    } while (this.again);
  }
}

/** Every event in the log, in position order. */
export async function readWholeLog(store: EventStore): Promise<StoredEvent[]> {
  const log: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll({ afterPosition: log.at(-1)?.position ?? 0 });
    if (page.length === 0) return log;
    log.push(...page);
  }
}
