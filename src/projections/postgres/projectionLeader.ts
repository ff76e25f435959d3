import type pg from 'pg';
import { CoalescedRuns } from '../../concurrency/coalescedRuns.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import type { Logger } from '../../logging/logger.js';
import { inClientTransaction } from './clientTransaction.js';
import { feedGeneration } from './generationFeed.js';
import { Leadership } from './leadership.js';
import {
  buildIndexes,
  createGeneration,
  dropGeneration,
  finishBuilding,
  LeadershipLostError,
  pointViewsAt,
  type PostgresGenerationRow,
  readGenerations,
} from './postgresGenerations.js';
import type { AnyReadModel } from '../readModel.js';
import { tableNames } from '../sqlite/generations.js';
import { PostgresReadModelWriter } from './postgresWriter.js';
import { PRUNE_EVERY_EVENTS, pruneChanges } from './readModelSchema.js';
import { failRebuildRequest, readRebuildRequest, takeUpRebuildRequest, withdrawRebuildRequest } from './rebuildRequests.js';

/** What a leader needs from the engine it runs in. */
type LeaderContext = {
  connection: PostgresConnectionOptions;
  store: Pick<EventStore, 'readAll' | 'headPosition'>;
  /** The channel NOTIFY'd after each batch. */
  channel: string;
  logger: Logger;
  batchSize: number;
  rebuildBatchSize: number;
  stopped: () => boolean;
  /** The live generation as the leader has just left it: for waiters and the change feeds. */
  onLive: (row: PostgresGenerationRow) => void;
};

/**
 * One read model's writing, on the instance that holds its advisory lock (Leadership): gives it live
 * tables of this code's version, feeds them from the log, builds a requested rebuild beside them and
 * swaps it in. Every batch commits on the connection holding the lock. Runs one step at a time.
 */
export class ProjectionLeader {
  readonly leadership: Leadership;
  /** The rebuild generation, while one is being built. */
  rebuild: PostgresGenerationRow | undefined;
  /** The newer version live in the tables: this code will not write them. */
  supersededBy: number | undefined;
  private readonly steps = new CoalescedRuns(
    () => this.lead(),
    () => !this.context.stopped(),
  );
  /** The message of the last failure to lead, so that a lasting one is logged once. */
  private lastFailure: string | undefined;
  /** The live position at the last pruning of its announced changes. */
  private prunedAt = 0;

  constructor(
    readonly definition: AnyReadModel,
    private readonly context: LeaderContext,
  ) {
    this.leadership = new Leadership(context.connection, definition.name, context.logger);
  }

  /** Leads the read model if it can, one step at a time; calls during a step share it, plus one more pass. */
  step(): Promise<void> {
    return this.steps.run();
  }

  /** The step under way, if any: what a stop waits for. */
  get current(): Promise<void> | undefined {
    return this.steps.current;
  }

  private async lead(): Promise<void> {
    if (this.context.stopped() || this.supersededBy !== undefined) return;
    await this.asLeader((client) => this.feed(client));
  }

  /** At start: lead the read model if nobody does, and give it live tables if it has none; building waits for `step`. */
  prepare(): Promise<void> {
    return this.asLeader((client) => this.ensureLiveGeneration(client));
  }

  /** Runs `work` on the connection holding the lock, when this instance holds it or can take it. */
  private async asLeader(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
    const name = this.definition.name;
    try {
      const client = await this.leadership.acquire();
      if (!client) return;
      await work(client);
      this.lastFailure = undefined;
    } catch (error) {
      // Another instance took over, or PostgreSQL failed: let the lock go; the next tick tries again.
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof LeadershipLostError) && message !== this.lastFailure) {
        this.context.logger.warn({ err: error, projection: name }, `Projection ${name}: leading it failed; trying again every poll`);
      }
      this.lastFailure = message;
      await this.leadership.release(error as Error);
    }
  }

  /**
   * As the leader: the live generation of this code's version, created (BUILDING) when there is none
   * or an older one; undefined when newer code's version is live, which this code cannot write.
   */
  private async ensureLiveGeneration(client: pg.Client): Promise<PostgresGenerationRow | undefined> {
    const { definition } = this;
    const rows = (await readGenerations(client)).filter((row) => row.name === definition.name);
    const live = rows.find((row) => row.live);
    this.rebuild = rows.find((row) => !row.live);
    if (live && live.version > definition.version) {
      this.supersededBy = live.version;
      this.context.logger.warn(
        { projection: definition.name, live: live.version, ours: definition.version },
        `Projection ${definition.name}: version ${live.version} is live and this instance runs version ${definition.version}; it leaves the writing to instances running the newer code`,
      );
      await this.leadership.release();
      return undefined;
    }
    if (live && live.version === definition.version) return this.showLive(live);
    this.rebuild = undefined;
    return this.showLive(await inClientTransaction(client, () => createGeneration(client, definition, { live: true })));
  }

  /** As the leader: bring the live generation (and a rebuild, if asked for) up to the head. */
  private async feed(client: pg.Client): Promise<void> {
    const { definition } = this;
    let live = await this.ensureLiveGeneration(client);
    if (!live) return;
    const rebuild = this.rebuild ?? (await this.takeUpRebuild(client));

    const head = await this.context.store.headPosition();
    live = await this.feedLive(client, live, head);
    if (live.building && !live.failure && live.position >= head) {
      await inClientTransaction(client, () => finishBuilding(client, definition, live!.generation));
      live = this.showLive({ ...live, building: false });
    }
    if (rebuild && !live.failure) await this.finishRebuild(client, live, rebuild);
    if (live.position - this.prunedAt >= PRUNE_EVERY_EVENTS) {
      await pruneChanges(client, definition.name, live.position);
      this.prunedAt = live.position;
    }
  }

  /** A rebuild asked for and not yet taken up: its generation and the request's note of it commit together. */
  private async takeUpRebuild(client: pg.Client): Promise<PostgresGenerationRow | undefined> {
    const name = this.definition.name;
    const request = await readRebuildRequest(client, name);
    if (!request || request.generation !== null || request.failure) return undefined;
    this.rebuild = await inClientTransaction(client, async () => {
      const created = await createGeneration(client, this.definition, { live: false });
      await takeUpRebuildRequest(client, name, created.generation);
      return created;
    });
    return this.rebuild;
  }

  /**
   * Feeds the live generation up to `until`, the head when the step began: never chasing a head that
   * keeps moving, so that a step ends and the next one takes up a rebuild asked for meanwhile.
   */
  private feedLive(client: pg.Client, live: PostgresGenerationRow, until: number): Promise<PostgresGenerationRow> {
    return feedGeneration(live, {
      ...this.feedOptions(client, live.generation, !live.building),
      until,
      batchSize: live.building ? this.context.rebuildBatchSize : this.context.batchSize,
      onCommitted: (row) => this.showLive(row),
    });
  }

  /**
   * Catches the rebuild up with the live generation, a chunk at a time, the live one keeping up with
   * the head in between (mutations wait for it); swaps it in once both are at the same position.
   * Only this leader writes either generation, so nothing moves the live one between the last
   * catch-up and the swap. A rebuild that fails is dropped, and the request says why.
   *
   * Each new event is applied to both generations, so when events come at half the rate this leader
   * applies them or faster, the gap between the two stops shrinking and chunks alone would never
   * finish (and just below that rate they finish slowly). So once the gap is two chunks or less, or
   * has not shrunk since the last chunk, the rebuild takes the rest in one go and the live tables
   * wait for it (they are replaced at the end anyway): the rebuild always ends.
   */
  private async finishRebuild(client: pg.Client, live: PostgresGenerationRow, rebuild: PostgresGenerationRow): Promise<void> {
    const { definition } = this;
    const chunk = 5 * this.context.rebuildBatchSize;
    for (let current = rebuild, previousGap = Infinity; !this.context.stopped(); ) {
      live = await this.feedLive(client, live, await this.context.store.headPosition());
      if (live.failure) return;
      const gap = live.position - current.position;
      const lastStretch = gap <= 2 * chunk || gap >= previousGap;
      previousGap = gap;
      current = await feedGeneration(current, {
        ...this.feedOptions(client, current.generation, false),
        batchSize: this.context.rebuildBatchSize,
        until: lastStretch ? live.position : Math.min(live.position, current.position + chunk),
        onCommitted: (next) => (this.rebuild = next),
      });
      const failure = current.failure;
      if (failure) {
        await inClientTransaction(client, async () => {
          await dropGeneration(client, definition, current.generation);
          await failRebuildRequest(client, definition.name, failure);
        });
        this.rebuild = undefined;
        return;
      }
      if (current.position !== live.position) continue;
      await inClientTransaction(client, async () => {
        await buildIndexes(client, definition, current.generation);
        await pointViewsAt(client, definition, current.generation);
        await withdrawRebuildRequest(client, definition.name);
        await client.query('SELECT pg_notify($1, $2)', [this.context.channel, String(current.position)]);
      });
      this.rebuild = undefined;
      this.showLive({ ...current, live: true, building: false });
      this.context.logger.info(
        { projection: definition.name, position: current.position },
        `Projection ${definition.name}: rebuilt tables are live`,
      );
      return;
    }
  }

  /** What feeding a generation on `client` needs besides its batch size, end and commit callback. */
  private feedOptions(client: pg.Client, generation: number, announce: boolean) {
    const { store, channel, logger } = this.context;
    const writer = new PostgresReadModelWriter(this.definition, tableNames(this.definition, generation), announce);
    return { client, store, channel, logger, writer, goOn: () => !this.context.stopped() };
  }

  /** Tells the engine the live generation as this leader has just left it. */
  private showLive(row: PostgresGenerationRow): PostgresGenerationRow {
    this.context.onLive(row);
    return row;
  }
}
