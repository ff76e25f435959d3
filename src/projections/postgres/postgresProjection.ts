import type pg from 'pg';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import type { TableNames } from '../projection.js';

/**
 * A read model kept in PostgreSQL tables, shared by every server instance and written by one at a
 * time (the instance holding the projection's advisory lock). The same read model as its SQLite
 * twin, in PostgreSQL's SQL; the shared read-model suite holds both to the same answers.
 */
export type PostgresProjectionDefinition<Change = unknown> = {
  name: string;
  /** Bump when `apply` or the tables change: the leader builds the new version from position 0. */
  version: number;
  /** The CREATE TABLE / CREATE INDEX statements of each logical table, given its physical name. */
  tables: Record<string, (physicalName: string) => string>;
  /** Prepares the writes against one generation's tables. */
  create(tables: TableNames, options: { announce: boolean }): PostgresProjectionWriter<Change>;
};

export type PostgresProjectionWriter<Change> = {
  /**
   * Applies one event on `client`, inside the engine's transaction that also moves the checkpoint:
   * idempotent, and returns the change to announce (when `announce` is on), which must be plain
   * JSON (it travels to every instance through the read_model_changes table).
   */
  apply(client: pg.ClientBase, event: StoredEvent): Promise<Change | undefined>;
};

/** A pool or a client: what queries run on. */
export type Queryable = Pick<pg.ClientBase, 'query'>;
