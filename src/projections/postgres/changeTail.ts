import { CoalescedRuns } from '../../concurrency/coalescedRuns.js';
import type { ChangeSink } from '../contracts.js';
import type { Queryable } from './queryable.js';

const PAGE_SIZE = 1000;

/**
 * Follows one projection's announced changes in PostgreSQL (read_model_changes, written by whichever
 * instance leads it, in the same transaction as its checkpoint) and publishes them to this
 * instance's change feed, by position. Each page and the checkpoint it reaches are read in one
 * statement (one snapshot), and the position moves in the same synchronous step as the publish, so
 * `position` is the seam subscriptions replay up to: nothing is skipped, nothing sent twice.
 */
export class ChangeTail {
  private reached = 0;
  private readonly runs = new CoalescedRuns(async () => {
    while (await this.nextPage());
  });

  constructor(
    private readonly db: Queryable,
    private readonly name: string,
    private readonly feed: ChangeSink,
  ) {}

  /**
   * Starts from the live checkpoint now, or past the last change announced if that is further (a new
   * version building from 0): history is for replays, not for the live feed.
   */
  async start(): Promise<void> {
    const { rows } = await this.db.query<{ position: number | null }>(
      `SELECT greatest(
         (SELECT position FROM read_model_generations WHERE name = $1 AND live),
         (SELECT max(position) FROM read_model_changes WHERE name = $1)) AS position`,
      [this.name],
    );
    this.reached = rows[0]?.position ?? 0;
  }

  /** The run under way, if any: what a stop waits for before the pool closes. */
  get current(): Promise<void> | undefined {
    return this.runs.current;
  }

  /** The position up to which every change has been published to the feed. */
  get position(): number {
    return this.reached;
  }

  /**
   * The changes of a batch this instance's leader has just committed, from `from` to `to`: published
   * at once when the feed is at `from` and no read is under way (which might publish them again);
   * false when the caller must catch up instead.
   */
  publishCommitted(from: number, to: number, changes: unknown[]): boolean {
    if (this.reached !== from || this.runs.current) return false;
    if (changes.length > 0) this.feed.publish(changes);
    this.reached = to;
    return true;
  }

  /** Reads what was committed since; concurrent calls share one run, plus one more pass. */
  catchUp(): Promise<void> {
    return this.runs.run();
  }

  /**
   * Catches up to `checkpoint`, the live position a NOTIFY or a read of the generations showed. With
   * no one listening (and no read under way) there is nothing to publish, so it moves there without
   * reading: a follower without subscribers read the changes of every batch for nobody. A subscriber
   * that comes later replays up to `position`, as it always does.
   */
  follow(checkpoint: number): Promise<void> {
    if (this.feed.subscriberCount === 0 && !this.runs.current) {
      this.reached = Math.max(this.reached, checkpoint);
      return Promise.resolve();
    }
    return this.catchUp();
  }

  /** Publishes one page; true when there may be more. */
  private async nextPage(): Promise<boolean> {
    const { rows } = await this.db.query<{ checkpoint: number; position: number | null; change: unknown }>(
      `SELECT g.position AS checkpoint, c.position, c.change
       FROM read_model_generations g
       LEFT JOIN LATERAL (
         SELECT position, change FROM read_model_changes
         WHERE name = g.name AND position > $2 AND position <= g.position
         ORDER BY position LIMIT $3
       ) c ON true
       WHERE g.name = $1 AND g.live
       ORDER BY c.position`,
      [this.name, this.reached, PAGE_SIZE],
    );
    const checkpoint = rows[0]?.checkpoint;
    // A new version's first build starts again from 0: keep our place until it passes it.
    if (checkpoint === undefined || checkpoint <= this.reached) return false;
    const changes = rows.filter((row) => row.position !== null);
    const full = changes.length === PAGE_SIZE;
    const reached = full ? changes.at(-1)!.position! : checkpoint;
    if (changes.length > 0) this.feed.publish(changes.map((row) => row.change));
    this.reached = reached;
    return full;
  }
}
