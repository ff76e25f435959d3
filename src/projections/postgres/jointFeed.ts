import type pg from 'pg';
import type { EventStore, StoredEvent } from '../../eventstore/eventStore.js';
import { startBatchSpan } from '../../observability/tracing.js';
import { CoalescedRuns } from '../../concurrency/coalescedRuns.js';
import { BundledStatements } from './bundledStatements.js';
import { BATCH_SETTINGS } from './generationFeed.js';
import { moveCheckpoints, recordChanges } from './postgresGenerations.js';
import type { JointTurn, ProjectionLeader } from './projectionLeader.js';

type JointFeedContext = {
  store: Pick<EventStore, 'readAll'>;
  channel: string;
  batchSize: number;
  stopped: () => boolean;
};

/**
 * Feeds every read model this instance leads from one read of the log, in one transaction per
 * batch: the rows of each, their announced changes and their checkpoints commit together (one
 * statement for the changes, one for the checkpoints and the NOTIFY), where five leaders each ran
 * their own BEGIN, checkpoint and COMMIT. A read model with more to do than follow the log (a first
 * build, a rebuild, a failure, a look at the bookkeeping) steps on its own meanwhile, and so does
 * each one of a batch that fails, which finds the event to blame as it always has. Each checkpoint
 * is still fenced by its position, whichever connection commits it.
 */
export class JointFeed {
  private readonly runs = new CoalescedRuns(
    () => this.pass(),
    () => !this.context.stopped(),
  );

  private batches = 0;
  private turns = 0;
  private roundTrips = 0;

  constructor(
    private readonly leaders: readonly ProjectionLeader[],
    private readonly context: JointFeedContext,
  ) {}

  /** Feeds the log's new events now; calls during a run share it, plus one more pass. */
  run(): Promise<void> {
    return this.runs.run();
  }

  /** Batches committed jointly, the read models fed in them, and the round trips they took (the read of the log aside). */
  get counts(): { batches: number; readModels: number; roundTrips: number } {
    return { batches: this.batches, readModels: this.turns, roundTrips: this.roundTrips };
  }

  /** The run under way, if any: what a stop waits for. */
  get current(): Promise<void> | undefined {
    return this.runs.current;
  }

  private async pass(): Promise<void> {
    // Batch after batch while they come full: between two, every turn is given back, so a leader
    // with more to do (a rebuild asked for, a look at its bookkeeping) takes its step meanwhile.
    for (let batch = 0; !this.context.stopped(); batch++) {
      const turns = new Map<ProjectionLeader, JointTurn>();
      for (const leader of this.leaders) {
        const turn = leader.join();
        if (turn) turns.set(leader, turn);
        else if (batch === 0 && leader.leadership.leads) void leader.step();
      }
      if (turns.size === 0) return;
      let full: boolean;
      try {
        full = await this.commit([...turns.values()]);
      } catch {
        for (const [leader, turn] of turns) {
          if (turn.leave('failed')) void leader.step();
        }
        return;
      }
      if (!full) return;
    }
  }

  /**
   * One batch for the turns behind its end; true when it was full (there may be more). Gives every
   * turn back: those it fed once committed, the others (at or past its end) as they were.
   */
  private async commit(turns: JointTurn[]): Promise<boolean> {
    const { store, batchSize } = this.context;
    const events = await store.readAll({ afterPosition: Math.min(...turns.map((turn) => turn.row.position)), limit: batchSize });
    const to = events.at(-1)?.position ?? 0;
    // A read model a step of its own took further must not have its checkpoint moved back.
    const fed = turns.filter((turn) => turn.row.position < to);
    for (const turn of turns) if (turn.row.position >= to) turn.leave('unchanged');
    if (fed.length === 0) return false;
    const client = fed[0]!.client;
    const span = startBatchSpan('read models', events, { 'orderstream.read_models': fed.map(({ row }) => row.name) });
    try {
      return await this.commitBatch(client, fed, events, to);
    } finally {
      span?.end();
    }
  }

  private async commitBatch(client: pg.Client, fed: JointTurn[], events: StoredEvent[], to: number): Promise<boolean> {
    const { batchSize, channel } = this.context;
    // The read models work out the batch side by side, so each step's statements of all of them go in one round trip.
    const bundled = new BundledStatements(client);
    let announced: { position: number; change: unknown }[][];
    try {
      void bundled.query('BEGIN').catch(() => {});
      void bundled.query(BATCH_SETTINGS).catch(() => {});
      announced = await Promise.all(
        fed.map(({ row, writer }) =>
          writer.apply(
            bundled,
            events.filter((event) => event.position > row.position),
          ),
        ),
      );
      const moves = fed.map(({ row }) => ({ name: row.name, generation: row.generation, from: row.position, to }));
      const changes = fed.flatMap(({ row }, index) =>
        announced[index]!.map(({ position, change }) => ({ name: row.name, position, change })),
      );
      await Promise.all([recordChanges(bundled, changes), moveCheckpoints(bundled, moves, channel)]);
      await client.query('COMMIT');
    } catch (error) {
      bundled.abandon(error);
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      this.roundTrips += bundled.roundTrips + 1;
    }
    this.batches++;
    this.turns += fed.length;
    for (const [index, turn] of fed.entries()) {
      const changes = announced[index]!.map(({ change }) => change);
      turn.leave({ row: { ...turn.row, position: to }, batch: { from: turn.row.position, changes } });
    }
    return events.length === batchSize;
  }
}
