import Database from 'better-sqlite3';
import type { StoredEvent } from '../eventstore/eventStore.js';
import type { ProjectionDefinition, ProjectionWriter, TableNames } from './projection.js';

/**
 * What a read model would show after exactly `events`: the live projection's own code applied to
 * throwaway in-memory tables, so time travel and the live view never disagree on what an event means.
 */
export function replayInMemory<Answer>(
  definition: ProjectionDefinition<unknown>,
  tables: TableNames,
  events: readonly StoredEvent[],
  read: (db: Database.Database) => Answer,
): Answer {
  return inScratchTables(definition, tables, false, (db, writer) => {
    for (const event of events) writer.apply(event);
    return read(db);
  });
}

/**
 * What the projection would have announced to subscribers for each of `events`, replayed the same
 * way: for subscriptions that resume from a point in the log.
 */
export function announcementsInMemory<Change>(
  definition: ProjectionDefinition<Change>,
  tables: TableNames,
  events: readonly StoredEvent[],
): Change[] {
  return inScratchTables(definition, tables, true, (_db, writer) =>
    events.flatMap((event) => {
      const change = writer.apply(event);
      return change === undefined ? [] : [change];
    }),
  );
}

function inScratchTables<Change, Answer>(
  definition: ProjectionDefinition<Change>,
  tables: TableNames,
  announce: boolean,
  use: (db: Database.Database, writer: ProjectionWriter<Change>) => Answer,
): Answer {
  const db = new Database(':memory:');
  try {
    for (const [table, ddl] of Object.entries(definition.tables)) db.exec(ddl(table));
    return use(db, definition.create(db, tables, { announce }));
  } finally {
    db.close();
  }
}
