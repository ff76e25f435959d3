import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import { fallbackLogger, type Logger } from '../logging/logger.js';
import { CoalescedRuns } from '../concurrency/coalescedRuns.js';
import { ChangeFeed } from './changeFeed.js';

const BATCH_SIZE = 500;

/**
 * Follows the log by position from where it was when the server started and publishes every event,
 * in position order, to `events`: the live side of the event-feed subscriptions. Reading by position
 * (rather than hearing appends) also picks up events other processes append to the same file.
 */
export class LogTail {
  private readonly reads = new CoalescedRuns(
    () =>
      this.readNew().catch((error: unknown) =>
        this.logger.error({ err: error, position: this.checkpoint }, 'Event feed: reading the log failed; retrying on the next poll'),
      ),
    () => !this.stopped,
  );
  private readonly timer = setInterval(() => this.poke(), 1000).unref();
  private stopped = false;

  private constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private checkpoint: number,
    private readonly logger: Logger,
    readonly events: ChangeFeed<StoredEvent>,
  ) {}

  static async start(
    store: Pick<EventStore, 'readAll' | 'headPosition'>,
    options: { logger?: Logger; bufferLimit?: number },
  ): Promise<LogTail> {
    return new LogTail(store, await store.headPosition(), options.logger ?? fallbackLogger(), new ChangeFeed(options.bufferLimit));
  }

  /** The position of the last event published: live items from here on are after it. */
  get position(): number {
    return this.checkpoint;
  }

  /** Reads and publishes what was appended since; concurrent calls share one run. */
  poke(): void {
    if (!this.stopped) void this.reads.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reads.current;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const events = await this.store.readAll({ afterPosition: this.checkpoint, limit: BATCH_SIZE });
      if (events.length === 0 || this.stopped) break;
      // Publish and move the checkpoint in one synchronous step, so a subscriber that reads the
      // position and attaches in between sees each event exactly once.
      this.checkpoint = events.at(-1)!.position;
      this.events.publish(events);
      if (events.length < BATCH_SIZE) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
