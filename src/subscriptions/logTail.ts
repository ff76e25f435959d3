import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import { fallbackLogger, type Logger } from '../logging/logger.js';
import { CoalescedRuns } from '../concurrency/coalescedRuns.js';
import { ChangeFeed } from './changeFeed.js';
import type { FeedSubscription, SubscriptionOptions } from './feedSubscription.js';

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
  private readonly timer = setInterval(() => this.poll(), 1000).unref();
  private stopped = false;
  /** Subscribers waiting for the tail to reach the head before they attach. */
  private joining = 0;

  private constructor(
    private readonly store: Pick<EventStore, 'readAll' | 'headPosition'>,
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

  /** Reads and publishes what was appended since, for the subscribers there are; concurrent calls share one run. */
  poke(): void {
    if (!this.stopped && this.events.subscriberCount > 0) void this.reads.run();
  }

  /**
   * The poll: reads what a missed wake-up left, or, with no one listening, moves the checkpoint to
   * the head without reading events there is nobody to publish to (every append woke a read of
   * the log on every instance, for nobody). A subscriber that comes later replays up to `position`
   * and takes what follows live, as always; the tail reads the second or so since the last poll.
   */
  private poll(): void {
    if (!this.stopped) void this.reads.run();
  }

  /**
   * Subscribes once the tail has read up to the log's head. With no one listening it only kept up
   * with the head's position on its poll, so it first reads what was appended since (for nobody),
   * and the new subscriber's live items start where the log is now, as they always did.
   */
  async subscribe(options: SubscriptionOptions<StoredEvent>): Promise<FeedSubscription<StoredEvent>> {
    if (this.events.subscriberCount === 0) {
      this.joining++;
      try {
        await this.reads.run();
      } finally {
        this.joining--;
      }
    }
    return this.events.subscribe(options);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reads.current;
  }

  private async readNew(): Promise<void> {
    if (this.events.subscriberCount === 0 && this.joining === 0) {
      const head = await this.store.headPosition();
      // Only if still no one listens: one that came meanwhile replays up to the checkpoint as it was.
      if (this.events.subscriberCount === 0) this.checkpoint = Math.max(this.checkpoint, head);
      return;
    }
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
