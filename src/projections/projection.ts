import type Database from 'better-sqlite3';
import type { StoredEvent } from '../eventstore/eventStore.js';

/** Logical table name → physical table name of one generation. */
export type TableNames = Record<string, string>;

/**
 * A read model fed from the log by global position, as a value the engine can build, rebuild and
 * swap. Each generation of its tables has physical names (`order_views__g2`); queries read the
 * logical names (`order_views`), which are views the engine points at the live generation.
 */
export type ProjectionDefinition<Change = unknown> = {
  name: string;
  /** Bump when `apply` or the tables change: the projection is rebuilt from position 0 at start-up. */
  version: number;
  /** The CREATE TABLE / CREATE INDEX statements of each logical table, given its physical name. */
  tables: Record<string, (physicalName: string) => string>;
  /**
   * Prepares the writes against one generation's tables. `apply` runs inside the engine's
   * transaction together with the checkpoint update: it must be synchronous and idempotent, and may
   * return a change to announce when `announce` is on (the live generation). Throwing stops this
   * projection at that event; nothing of the event is kept.
   */
  create(db: Database.Database, tables: TableNames, options: { announce: boolean }): ProjectionWriter<Change>;
  /** Receives the changes of each committed batch of the live generation, in position order. */
  onCommitted?(changes: Change[]): void;
};

export type ProjectionWriter<Change> = {
  apply(event: StoredEvent): Change | undefined;
};
